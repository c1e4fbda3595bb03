using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Min-Max (Shejwalkar &amp; Houmansadr, NDSS 2021): mean − γ·direction with the largest γ whose distance to every honest
/// update stays within the largest distance between two honest updates, so distance-based rules cannot tell it apart.
/// </summary>
public sealed class MinMax(string direction = PerturbationDirection.UnitVector) : IAttack
{
    public string Direction { get; } = PerturbationDirection.Names.Contains(direction) ? direction
        : throw new ArgumentException($"'{direction}' is not one of {string.Join(", ", PerturbationDirection.Names)}", nameof(direction));

    public string Name => "min_max";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var honest = context.Honest;
        var mean = HonestMoments.Mean(honest);
        var deviation = PerturbationDirection.Of(Direction, mean, () => HonestMoments.StandardDeviation(honest, mean));
        return context.Copies(Candidate(mean, deviation, Gamma(honest, mean, deviation)));
    }

    /// <summary>The largest γ the Min-Max condition allows for this round.</summary>
    public static double Gamma(IUpdateSet honest, float[] mean, float[] deviation)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double bound = MaxPairwiseDistance(honest);
        return GammaSearch.Largest(g => MaxDistanceTo(honest, Candidate(mean, deviation, g)) <= bound);
    }

    public static double MaxPairwiseDistance(IUpdateSet honest)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double max = 0;
        for (int i = 0; i < honest.Count; i++)
            for (int j = i + 1; j < honest.Count; j++)
                max = Math.Max(max, TensorPrimitives.Distance(honest[i], honest[j]));
        return max;
    }

    public static double MaxDistanceTo(IUpdateSet honest, ReadOnlySpan<float> x)
    {
        ArgumentNullException.ThrowIfNull(honest);
        double max = 0;
        for (int i = 0; i < honest.Count; i++) max = Math.Max(max, TensorPrimitives.Distance(honest[i], x));
        return max;
    }

    /// <summary>mean − γ·deviation.</summary>
    public static float[] Candidate(ReadOnlySpan<float> mean, ReadOnlySpan<float> deviation, double gamma)
    {
        var x = new float[mean.Length];
        TensorPrimitives.MultiplyAdd(deviation, (float)-gamma, mean, x);
        return x;
    }
}
