using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Norm bounding (Sun et al. 2019): scale each update down to norm at most B, then take the weighted mean (FedAvg's
/// weights). B is fixed, or adaptive: the median of the cohort's norms, so at least half the updates pass unchanged and
/// no single update can carry more than B of pull. O(model) memory.
/// </summary>
public sealed class NormBoundAggregator : IAggregator
{
    readonly double? _bound;

    /// <param name="bound">The fixed bound; null for the cohort's median norm.</param>
    public NormBoundAggregator(double? bound = null)
    {
        if (bound is { } b && !(b > 0 && double.IsFinite(b))) throw new ArgumentOutOfRangeException(nameof(bound), bound, "the bound must be positive and finite");
        _bound = bound;
    }

    public string Name => "norm_bound";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count;
        if (n == 0) throw new InvalidOperationException("norm bound of no updates");
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = TensorPrimitives.Norm(updates[i]);
        double bound = _bound ?? ScalarMedian.Of(norms);
        var sum = new WeightedSum(updates.Length);
        double total = 0;
        var scales = new double[n];
        for (int i = 0; i < n; i++)
        {
            scales[i] = norms[i] > bound ? bound / norms[i] : 1;
            sum.Add(updates[i], updates.Weight(i) * scales[i]);
            total += updates.Weight(i);
        }
        var fates = new UpdateFate[n];
        for (int i = 0; i < n; i++)
            fates[i] = new UpdateFate(updates.ClientId(i), updates.Weight(i) / total, scales[i], false,
                scales[i] < 1 ? $"norm {norms[i]:G3} clipped to {bound:G3}" : null);
        return new RobustAggregate(sum.Scaled(1 / total), fates);
    }
}
