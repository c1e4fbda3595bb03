using System.Numerics.Tensors;

namespace Tessera.Federation.Codecs;

/// <summary>
/// Top-k with error feedback (Stich et al. 2018; Karimireddy et al. 2019): what one round's top-k leaves out is
/// added to the same client's next delta, so small coordinates are delayed, not lost. Used by the .NET worker
/// and by the simulator, so a simulated top-k job compresses exactly as a deployed one.
/// </summary>
public static class TopKErrorFeedback
{
    /// <summary>
    /// Adds <paramref name="residual"/> into <paramref name="delta"/> (in place), keeps the k largest magnitudes,
    /// and leaves in <paramref name="residual"/> everything that was not sent.
    /// </summary>
    public static SparseVector Encode(Span<float> delta, Span<float> residual, int k)
    {
        TensorPrimitives.Add(delta, residual, delta);
        var sparse = (SparseVector)new TopKCodec(k).Encode(delta);
        delta.CopyTo(residual);
        foreach (int i in sparse.Indices) residual[i] = 0;
        return sparse;
    }
}
