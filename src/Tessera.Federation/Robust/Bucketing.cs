using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Bucketing (Karimireddy et al. 2022): shuffle the updates with a seed and replace each bucket of s by its mean,
/// leaving ⌈n/s⌉ updates. Averaging shrinks honest heterogeneity by about √s before the robust rule sees it. Buckets
/// average by the set's weights and carry their total weight, so the weighted mean of the buckets is the mean of the
/// cohort.
/// </summary>
public sealed class Bucketing : IPreAggregator
{
    public const int DefaultSize = 2;

    readonly int _size;

    public Bucketing(int size = DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _size = size;
    }

    public string Name => "bucketing";

    public int Size => _size;

    public MixedUpdates Mix(IUpdateSet updates, ulong seed)
    {
        int n = updates.Count;
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new SplitMix64(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)rng.NextBelow((ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        var mixed = new InMemoryUpdateSet(updates.Length);
        var sources = new List<MixSource>();
        for (int start = 0; start < n; start += _size)
        {
            var members = order[start..Math.Min(n, start + _size)];
            double total = members.Sum(updates.Weight);
            var mix = new float[updates.Length];
            foreach (int i in members) TensorPrimitives.MultiplyAdd(updates[i], (float)(updates.Weight(i) / total), mix, mix);
            mixed.Add($"bucket {sources.Count} ({string.Join(", ", members.Select(updates.ClientId))})", mix, total);
            sources.Add(new MixSource(members, members.Select(i => updates.Weight(i) / total).ToArray()));
        }
        return new MixedUpdates(Name, mixed, sources);
    }
}
