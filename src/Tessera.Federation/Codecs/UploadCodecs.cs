using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;

namespace Tessera.Federation.Codecs;

/// <summary>What the coordinator receives of a delta sent in an upload encoding: encoded per tensor as workers do, then decoded.</summary>
public static class UploadCodecs
{
    /// <summary>
    /// The delta as the coordinator would decode it: unchanged for f32; int8-quantized per tensor for int8 (so an
    /// audit compares like with like). Top-k carries error feedback a replay cannot know and is refused with audits.
    /// </summary>
    public static float[] AsDecoded(float[] delta, ParameterSet template, UploadEncoding? encoding)
    {
        switch (encoding?.Codec)
        {
            case null or UploadEncoding.F32: return delta;
            case UploadEncoding.Int8:
            {
                var result = new float[delta.Length];
                int offset = 0;
                foreach (var p in template.Tensors)
                {
                    int n = (int)p.Count;
                    var codec = new Int8Codec(UploadEncoding.ChunkFor(n, encoding.BlockSize));
                    codec.DecodeInto(codec.Encode(delta.AsSpan(offset, n)), result.AsSpan(offset, n));
                    offset += n;
                }
                return result;
            }
            default: throw new NotSupportedException($"upload codec '{encoding.Codec}' cannot be audited by replay");
        }
    }
}
