using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Worker momentum applied on the server (Karimireddy et al. 2021, 2022): mᵢ ← β·mᵢ + (1 − β)·Δᵢ per client, and the
/// robust rule combines the mᵢ instead of the Δᵢ. Averaging over time shrinks each honest client's noise, so a rule
/// that compares updates (centered clipping, Krum) tells honest from Byzantine ones better. Kept on the server so a
/// worker needs no new state and cannot lie about its momentum. A client's first update starts its momentum
/// (mᵢ = Δᵢ): starting from zero would shrink a newcomer's update by 1 − β, and in federated rounds most clients are
/// newcomers for a long time.
/// </summary>
public sealed class ClientMomentum
{
    public ClientMomentum(double beta, IClientMomentumStore store)
    {
        if (!(beta > 0 && beta < 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be in (0, 1)");
        Beta = beta;
        Store = store ?? throw new ArgumentNullException(nameof(store));
    }

    public double Beta { get; }

    public IClientMomentumStore Store { get; }

    /// <summary>The round's momenta, in the set's order. Nothing is stored until <see cref="MomentumRound.Commit"/>, so a round that fails leaves the momenta as they were.</summary>
    public MomentumRound Advance(IUpdateSet updates)
    {
        var momenta = new InMemoryUpdateSet(updates.Length);
        for (int i = 0; i < updates.Count; i++)
        {
            string id = updates.ClientId(i);
            var m = new float[updates.Length];
            if (Store.Get(id) is { } previous)
            {
                if (previous.Length != updates.Length)
                    throw new InvalidOperationException($"client {id}'s momentum has {previous.Length} values, the model {updates.Length}");
                TensorPrimitives.Multiply(previous, (float)Beta, m);
                TensorPrimitives.MultiplyAdd(updates[i], (float)(1 - Beta), m, m);
            }
            else updates[i].CopyTo(m);
            momenta.Add(id, m, updates.Weight(i));
        }
        return new MomentumRound(this, momenta);
    }

    public sealed class MomentumRound(ClientMomentum owner, InMemoryUpdateSet momenta)
    {
        public IUpdateSet Updates => momenta;

        public void Commit()
        {
            for (int i = 0; i < momenta.Count; i++) owner.Store.Set(momenta.ClientId(i), momenta[i].ToArray());
        }
    }
}
