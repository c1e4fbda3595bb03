using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Min-Sum (Shejwalkar &amp; Houmansadr, NDSS 2021): mean − γ·direction with the largest γ whose sum of squared distances
/// to the honest updates stays within the largest such sum of any honest update, so score-based rules (Krum) keep it.
/// </summary>
public sealed class MinSum(string direction = PerturbationDirection.UnitVector) : IAttack
{
    public string Direction { get; } = PerturbationDirection.Names.Contains(direction) ? direction
        : throw new ArgumentException($"'{direction}' is not one of {string.Join(", ", PerturbationDirection.Names)}", nameof(direction));

    public string Name => "min_sum";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var honest = context.Honest;
        var mean = HonestMoments.Mean(honest);
        var deviation = PerturbationDirection.Of(Direction, mean, () => HonestMoments.StandardDeviation(honest, mean));
        return context.Copies(MinMax.Candidate(mean, deviation, Gamma(honest, mean, deviation)));
    }

    /// <summary>The largest γ the Min-Sum condition allows for this round.</summary>
    public static double Gamma(IUpdateSet honest, float[] mean, float[] deviation)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double bound = MaxSumOfSquares(honest);
        return GammaSearch.Largest(g => SumOfSquaresTo(honest, MinMax.Candidate(mean, deviation, g)) <= bound);
    }

    /// <summary>max over honest i of Σ_j ‖x_i − x_j‖².</summary>
    public static double MaxSumOfSquares(IUpdateSet honest)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double max = 0;
        for (int i = 0; i < honest.Count; i++) max = Math.Max(max, SumOfSquaresTo(honest, honest[i]));
        return max;
    }

    public static double SumOfSquaresTo(IUpdateSet honest, ReadOnlySpan<float> x)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double sum = 0;
        for (int i = 0; i < honest.Count; i++)
        {
            double d = TensorPrimitives.Distance(honest[i], x);
            sum += d * d;
        }
        return sum;
    }
}
