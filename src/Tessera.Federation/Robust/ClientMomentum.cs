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
            momenta.Add(id, Preview(id, updates[i]), updates.Weight(i));
        }
        return new MomentumRound(this, momenta);
    }

    /// <summary>The momentum this client would have after uploading <paramref name="update"/>; stores nothing.</summary>
    public float[] Preview(string clientId, ReadOnlySpan<float> update)
    {
        var m = new float[update.Length];
        if (Previous(clientId, update.Length) is { } previous)
        {
            TensorPrimitives.Multiply(previous, (float)Beta, m);
            TensorPrimitives.MultiplyAdd(update, (float)(1 - Beta), m, m);
        }
        else update.CopyTo(m);
        return m;
    }

    /// <summary>
    /// The update whose momentum step gives this client <paramref name="momentum"/>: (m − β·mᵢ) / (1 − β), or m itself
    /// for a client without momentum yet. A client that knows the rule can therefore steer its momentum anywhere,
    /// which is how an attacker forges the vector the rule combines (ByzFL's threat model). Stores nothing.
    /// </summary>
    public float[] UpdateFor(string clientId, ReadOnlySpan<float> momentum)
    {
        var u = momentum.ToArray();
        if (Previous(clientId, momentum.Length) is { } previous)
        {
            TensorPrimitives.MultiplyAdd(previous, (float)-Beta, u, u);
            TensorPrimitives.Multiply(u, (float)(1 / (1 - Beta)), u);
        }
        return u;
    }

    float[]? Previous(string id, int length)
    {
        var previous = Store.Get(id);
        if (previous is not null && previous.Length != length)
            throw new InvalidOperationException($"client {id}'s momentum has {previous.Length} values, the model {length}");
        return previous;
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
