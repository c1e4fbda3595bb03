using System.Numerics.Tensors;

namespace Tessera.Federation.Privacy;

/// <summary>L2 clipping, the step that bounds one client's influence on a round (its sensitivity) by C.</summary>
public static class UpdateClipping
{
    /// <summary>Scales <paramref name="update"/> in place to norm at most <paramref name="bound"/>; true when it was already within it.</summary>
    public static bool ClipInPlace(Span<float> update, double bound)
    {
        if (!(bound > 0)) throw new ArgumentOutOfRangeException(nameof(bound), bound, "the clipping bound must be positive");
        double norm = TensorPrimitives.Norm<float>(update);
        if (norm <= bound) return true;
        TensorPrimitives.Multiply(update, (float)(bound / norm), update);
        return false;
    }
}
