using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;

namespace Tessera.Federation.Codecs;

/// <summary>What the coordinator receives of a delta sent in an upload encoding: encoded per tensor as workers do, then decoded.</summary>
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
            RoundTrip(encoding, delta.AsSpan(offset, n), result.AsSpan(offset, n));
            offset += n;
        }
        return result;
    }

    /// <summary>
    /// One parameter's values as they arrive after a stateless codec (fp16, bf16, int8 with the job's block size):
    /// what a worker encodes and the coordinator decodes, bit for bit.
    /// </summary>
    public static void RoundTrip(UploadEncoding encoding, ReadOnlySpan<float> values, Span<float> into)
    {
        IUpdateCodec codec = encoding.Codec switch
        {
            UploadEncoding.Fp16 => new Float16Codec(),
            UploadEncoding.Bf16 => new BFloat16Codec(),
            UploadEncoding.Int8 => new Int8Codec(UploadEncoding.ChunkFor(values.Length, encoding.BlockSize)),
            _ => throw new NotSupportedException($"upload codec '{encoding.Codec}' keeps state between tasks; it has no stateless round trip"),
        };
        codec.DecodeInto(codec.Encode(values), into);
    }
}
