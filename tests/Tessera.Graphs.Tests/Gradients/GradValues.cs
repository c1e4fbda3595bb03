using Tessera.Graphs.Zoo;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>
/// Deterministic input values for gradient checks, shaped to keep finite differences away from the points
/// where an op is not differentiable (the default step is 1e-2).
/// </summary>
internal static class GradValues
{
    public static float[] Uniform(long[] shape, ulong seed = 1, float lo = -1f, float hi = 1f)
    {
        var r = new WeightInit(seed);
        return Enumerable.Range(0, (int)Shapes.Numel(shape)).Select(_ => lo + (hi - lo) * r.NextFloat()).ToArray();
    }

    /// <summary>Magnitudes in [0.2, 1] with random signs: safe for Relu, Abs, Sign-based rules.</summary>
    public static float[] AwayFromZero(long[] shape, ulong seed = 1)
    {
        var r = new WeightInit(seed);
        return Enumerable.Range(0, (int)Shapes.Numel(shape))
            .Select(_ => (r.NextFloat() < 0.5f ? -1f : 1f) * (0.2f + 0.8f * r.NextFloat())).ToArray();
    }

    /// <summary>Values in [lo, hi], for Log, Sqrt, Reciprocal and Pow's base.</summary>
    public static float[] Positive(long[] shape, ulong seed = 1, float lo = 0.5f, float hi = 2f) => Uniform(shape, seed, lo, hi);

    /// <summary>
    /// A shuffled ladder with steps of <paramref name="spacing"/> at half-step offsets (so never 0): no ties, so
    /// max/min winners stay put under perturbation.
    /// </summary>
    public static float[] Distinct(long[] shape, ulong seed = 1, float spacing = 0.05f)
    {
        int n = (int)Shapes.Numel(shape);
        var v = Enumerable.Range(0, n).Select(i => (i - n / 2 + 0.5f) * spacing).ToArray();
        var r = new WeightInit(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(r.NextFloat() * (i + 1));
            (v[i], v[j]) = (v[j], v[i]);
        }
        return v;
    }
}
