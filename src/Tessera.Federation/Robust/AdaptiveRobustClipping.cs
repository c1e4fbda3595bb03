using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Adaptive robust clipping, ARC (Allouah et al., ICLR 2025; ByzFL's pre-aggregator): the k = ⌊2(f/n)(n − f)⌋
/// updates of largest norm are scaled down to the norm of the (k + 1)-th largest. No update then outweighs the bulk
/// of the cohort, whatever its size, and the threshold follows the honest norms as training goes, where a fixed
/// bound would need tuning. With f = 0 nothing is clipped.
/// </summary>
public sealed class AdaptiveRobustClipping : IPreAggregator
{
    readonly int _f;

    public AdaptiveRobustClipping(int f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        _f = f;
    }

    public string Name => "arc";

    /// <summary>How many of <paramref name="n"/> updates ARC clips for f Byzantine ones.</summary>
    public static int Clipped(int n, int f) => n == 0 ? 0 : Math.Min(n - 1, (int)Math.Floor(2.0 * f / n * (n - f)));

    public MixedUpdates Mix(IUpdateSet updates, ulong seed)
    {
        int n = updates.Count;
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = TensorPrimitives.Norm(updates[i]);
        // Largest norm first; ties keep the set's order, so the result does not depend on the sort.
        var order = Enumerable.Range(0, n).OrderByDescending(i => norms[i]).ThenBy(i => i).ToArray();
        int k = Clipped(n, _f);
        double threshold = k < n ? norms[order[k]] : 0;
        var scale = Enumerable.Repeat(1.0, n).ToArray();
        for (int r = 0; r < k; r++)
            if (norms[order[r]] > threshold) scale[order[r]] = threshold / norms[order[r]];
        var clipped = new InMemoryUpdateSet(updates.Length);
        var sources = new MixSource[n];
        for (int i = 0; i < n; i++)
        {
            var x = updates[i].ToArray();
            if (scale[i] != 1) TensorPrimitives.Multiply(x, (float)scale[i], x);
            clipped.Add(updates.ClientId(i), x, updates.Weight(i));
            sources[i] = new MixSource([i], [1.0], scale[i]);
        }
        return new MixedUpdates(Name, clipped, sources);
    }
}
