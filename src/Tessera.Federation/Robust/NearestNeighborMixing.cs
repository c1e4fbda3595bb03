using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Nearest-neighbour mixing (Allouah et al. 2023): each update is replaced by the mean of its n − f nearest updates
/// (itself included). Mixing shrinks the honest updates' spread under heterogeneity, so a following rule (Krum, median,
/// centered clipping...) reaches its homogeneous-data guarantee. With f = 0 every mix is the plain mean.
/// </summary>
public sealed class NearestNeighborMixing : IPreAggregator
{
    readonly int _f;
    readonly int _blockFloats;

    public NearestNeighborMixing(int f, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        (_f, _blockFloats) = (f, blockFloats);
    }

    public string Name => "nnm";

    public MixedUpdates Mix(IUpdateSet updates, ulong seed)
    {
        int n = updates.Count, keep = n - _f;
        if (keep < 1) throw new InvalidOperationException($"nnm with f = {_f} needs more than {_f} updates, the round has {n}");
        var distances = PairwiseDistances.Of(updates, _blockFloats);
        var all = Enumerable.Range(0, n).ToArray();
        var mixed = new InMemoryUpdateSet(updates.Length);
        var sources = new MixSource[n];
        for (int i = 0; i < n; i++)
        {
            // Itself first (distance 0), then its keep − 1 nearest others.
            var nearest = distances.NearestTo(i, all).Take(keep - 1).Prepend(i).ToArray();
            var mix = new float[updates.Length];
            float c = 1f / keep;
            foreach (int j in nearest) TensorPrimitives.MultiplyAdd(updates[j], c, mix, mix);
            mixed.Add(updates.ClientId(i), mix, updates.Weight(i));
            sources[i] = new MixSource(nearest, Enumerable.Repeat(1.0 / keep, keep).ToArray());
        }
        return new MixedUpdates(Name, mixed, sources);
    }
}
