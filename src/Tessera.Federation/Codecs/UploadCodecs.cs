using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;

namespace Tessera.Federation.Codecs;

/// <summary>
/// A job's upload codec applied to one parameter's delta, the same way by workers (which send the result, laid out
/// by <see cref="UploadTensors"/>), the simulator and replay audits (which fold or compare what the coordinator
/// decodes). Top-k keeps error feedback in the caller's residual.
/// </summary>
public static class UploadCodecs
{
    /// <summary>
    /// The delta as the coordinator would decode it: unchanged for f32; rounded to half precision for fp16/bf16;
    /// int8-quantized per tensor for int8 (so an audit compares like with like). Top-k carries error feedback a
    /// replay cannot know and is refused with audits.
    /// </summary>
    public static float[] AsDecoded(float[] delta, ParameterSet template, UploadEncoding? encoding)
    {
        if (encoding is null || encoding.Codec == UploadEncoding.F32) return delta;
        var result = new float[delta.Length];
        int offset = 0;
        foreach (var p in template.Tensors)
        {
            int n = (int)p.Count;
            Decode(Encode(encoding, delta.AsSpan(offset, n)), result.AsSpan(offset, n));
            offset += n;
        }
        return result;
    }

    /// <summary>
    /// One parameter's delta in a compressing codec (not f32). Top-k adds <paramref name="residual"/> into
    /// <paramref name="delta"/> and keeps there what it did not send; the other codecs are stateless.
    /// </summary>
    public static EncodedVector Encode(UploadEncoding encoding, Span<float> delta, Span<float> residual = default) => encoding.Codec switch
    {
        UploadEncoding.Fp16 => new Float16Codec().Encode(delta),
        UploadEncoding.Bf16 => new BFloat16Codec().Encode(delta),
        UploadEncoding.Int8 => new Int8Codec(UploadEncoding.ChunkFor(delta.Length, encoding.BlockSize), UploadEncoding.MaxCode(encoding.Bits)).Encode(delta),
        UploadEncoding.TopK when residual.Length == delta.Length => TopKErrorFeedback.Encode(delta, residual, UploadEncoding.KFor(delta.Length, encoding.Fraction)),
        UploadEncoding.TopK => throw new ArgumentException("top-k needs the client's residual, one entry per value", nameof(residual)),
        _ => throw new NotSupportedException($"upload codec '{encoding.Codec}' is not a compressing codec"),
    };

    /// <summary>What the coordinator folds for an encoded delta.</summary>
    public static void Decode(EncodedVector encoded, Span<float> into)
    {
        IUpdateCodec codec = encoded switch
        {
            HalfVector => new Float16Codec(),
            BFloat16Vector => new BFloat16Codec(),
            Int8Vector q => new Int8Codec(q.ChunkSize),
            SparseVector s => new TopKCodec(Math.Max(s.Indices.Length, 1)),
            _ => throw new ArgumentException($"no decoder for {encoded.GetType().Name}", nameof(encoded)),
        };
        codec.DecodeInto(encoded, into);
    }
}
