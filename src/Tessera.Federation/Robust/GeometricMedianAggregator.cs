using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Geometric median by smoothed Weiszfeld iterations (RFA, Pillutla et al. 2022): z ← Σ βᵢxᵢ / Σ βᵢ with
/// βᵢ = 1 / max(ν, ‖z − xᵢ‖). Far outliers get weights near zero, so with fewer than half of the updates Byzantine
/// the result stays within a bounded distance of the honest ones. RFA starts at the mean; we start at the
/// coordinate-wise median, because from the mean Weiszfeld walks back from far outliers by a factor of about
/// f/(n − f) per iteration (6 honest, 5 at 1e6: some 80 iterations), from the median it starts among the honest
/// updates. Unweighted, like the other robust rules; O(n·block + model) memory, 2n passes over the set per iteration.
/// </summary>
public sealed class GeometricMedianAggregator : IAggregator
{
    /// <summary>Defaults: RFA converges in a few iterations; ν only guards the division when z meets an update.</summary>
    public const int DefaultIterations = 10;
    public const double DefaultNu = 1e-6;

    readonly int _iterations;
    readonly double _nu;

    readonly int _blockFloats;

    public GeometricMedianAggregator(int iterations = DefaultIterations, double nu = DefaultNu, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        _blockFloats = blockFloats;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        if (!(nu > 0) || double.IsInfinity(nu)) throw new ArgumentOutOfRangeException(nameof(nu), nu, "ν must be positive");
        (_iterations, _nu) = (iterations, nu);
    }

    public string Name => "geomed";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count;
        if (n == 0) throw new InvalidOperationException("geometric median of no updates");
        var z = new MedianAggregator(_blockFloats).Aggregate(updates).Delta;
        var beta = new double[n];
        var next = new WeightedSum(updates.Length);
        for (int t = 0; t < _iterations; t++)
        {
            Weights(updates, z, beta);
            next.Clear();
            for (int i = 0; i < n; i++) next.Add(updates[i], beta[i]);
            z = next.Mean();
        }
        Weights(updates, z, beta);
        double total = beta.Sum();
        var fates = new UpdateFate[n];
        for (int i = 0; i < n; i++) fates[i] = new UpdateFate(updates.ClientId(i), beta[i] / total, 1, false);
        return new RobustAggregate(z, fates);
    }

    void Weights(IUpdateSet updates, float[] z, double[] beta)
    {
        // Normalized by the largest weight so Σβᵢxᵢ stays in float range however small ν is.
        double top = 0;
        for (int i = 0; i < beta.Length; i++)
        {
            beta[i] = 1.0 / Math.Max(_nu, TensorPrimitives.Distance(z, updates[i]));
            top = Math.Max(top, beta[i]);
        }
        for (int i = 0; i < beta.Length; i++) beta[i] /= top;
    }
}
