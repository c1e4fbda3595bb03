using System.Numerics.Tensors;

namespace Tessera.Federation.Attacks;

/// <summary>
/// A Little Is Enough (Baruch et al., NeurIPS 2019): attackers send mean − z·std per coordinate, a shift small enough
/// to hide among honest updates. Without a fixed <see cref="FixedZ"/>, z is the paper's z_max for n workers and f
/// attackers: s = ⌊n/2 + 1⌋ − f, z = Φ⁻¹((n − s)/n).
/// </summary>
public sealed class LittleIsEnough(double? z = null) : IAttack
{
    public double? FixedZ { get; } = z is null or >= 0 ? z : throw new ArgumentOutOfRangeException(nameof(z), z, "must be non-negative");

    public string Name => "alie";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double factor = FixedZ ?? BaruchZ(context.Honest.Count + context.Byzantine, context.Byzantine);
        var mean = HonestMoments.Mean(context.Honest);
        return context.Copies(Vector(mean, HonestMoments.StandardDeviation(context.Honest, mean), factor));
    }

    /// <summary>z_max of Baruch et al. for <paramref name="n"/> workers of which <paramref name="f"/> are Byzantine.</summary>
    public static double BaruchZ(int n, int f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int s = n / 2 + 1 - f;
        // s ≤ 0 (a Byzantine majority) would need an infinite z; the quantile is clamped just below 1 instead.
        double p = Math.Clamp((n - s) / (double)n, 0.5, 1 - 1e-9);
        return NormalQuantile.Of(p);
    }

    /// <summary>mean − z·std.</summary>
    internal static float[] Vector(ReadOnlySpan<float> mean, ReadOnlySpan<float> std, double z)
    {
        var x = new float[mean.Length];
        TensorPrimitives.MultiplyAdd(std, (float)-z, mean, x);
        return x;
    }
}
