using System.Numerics.Tensors;

namespace Tessera.Federation.Codecs;

/// <summary>
/// IEEE fp16: relative error ≤ 2⁻¹¹ in the normal range. |x| above 65504 becomes ±Infinity,
/// which the aggregator then rejects, so clip updates first if they can be that large.
/// </summary>
public sealed class Float16Codec : IUpdateCodec
{
    public EncodedVector Encode(ReadOnlySpan<float> values)
    {
        var half = new Half[values.Length];
        TensorPrimitives.ConvertToHalf(values, half);
        return new HalfVector(values.Length, half);
    }

    public void DecodeInto(EncodedVector encoded, Span<float> destination)
    {
        var typed = UpdateCodecExtensions.Expect<HalfVector>(encoded, destination);
        TensorPrimitives.ConvertToSingle(typed.Values, destination);
    }
}
