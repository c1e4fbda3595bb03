using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>Per-coordinate statistics of the honest updates the attacks are built from (unweighted, as in the papers).</summary>
public static class HonestMoments
{
    public static float[] Mean(IUpdateSet honest)
    {
        ArgumentNullException.ThrowIfNull(honest);
        if (honest.Count == 0) throw new ArgumentException("no honest updates to attack from", nameof(honest));
        var mean = new float[honest.Length];
        for (int i = 0; i < honest.Count; i++) TensorPrimitives.Add(mean, honest[i], mean);
        TensorPrimitives.Divide(mean, honest.Count, mean);
        return mean;
    }

    /// <summary>Sample standard deviation (n − 1 in the denominator, as torch.std in ByzFL); zeros for one update.</summary>
    public static float[] StandardDeviation(IUpdateSet honest, ReadOnlySpan<float> mean)
    {
        ArgumentNullException.ThrowIfNull(honest);
        var variance = new float[honest.Length];
        var d = new float[honest.Length];
        for (int i = 0; i < honest.Count; i++)
        {
            TensorPrimitives.Subtract(honest[i], mean, d);
            TensorPrimitives.MultiplyAdd(d, d, variance, variance);
        }
        TensorPrimitives.Divide(variance, Math.Max(1, honest.Count - 1), variance);
        TensorPrimitives.Sqrt(variance, variance);
        return variance;
    }

    /// <summary>‖a − b‖.</summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);
}
