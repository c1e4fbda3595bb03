using System.Runtime.InteropServices;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Federation.Codecs;

/// <summary>
/// The wire layout of one parameter's encoded delta (see <see cref="UploadEncoding"/>): what workers send and the
/// simulator measures. fp16/bf16: one F16/BF16 tensor named like the parameter; int8: the parameter's name as I8
/// plus <c>name:scales</c>; top-k: <c>name:indices</c> (I32) and <c>name:values</c> (F32).
/// </summary>
public static class UploadTensors
{
    public static IReadOnlyList<NamedTensor> From(string name, long[] shape, EncodedVector encoded) => encoded switch
    {
        HalfVector h => [new NamedTensor(name, SafetensorsDType.F16, shape, MemoryMarshal.AsBytes(h.Values.AsSpan()).ToArray())],
        BFloat16Vector b => [new NamedTensor(name, SafetensorsDType.BF16, shape, MemoryMarshal.AsBytes(b.Bits.AsSpan()).ToArray())],
        Int8Vector q =>
        [
            new NamedTensor(name, SafetensorsDType.I8, shape, MemoryMarshal.AsBytes(q.Values.AsSpan()).ToArray()),
            NamedTensor.FromFloats(name + UploadEncoding.ScalesSuffix, [q.Scales.Length], q.Scales),
        ],
        SparseVector s =>
        [
            NamedTensor.FromInt32s(name + UploadEncoding.IndicesSuffix, [s.Indices.Length], s.Indices),
            NamedTensor.FromFloats(name + UploadEncoding.ValuesSuffix, [s.Values.Length], s.Values),
        ],
        _ => throw new ArgumentException($"no wire layout for {encoded.GetType().Name}", nameof(encoded)),
    };

    /// <summary>The bytes one update file of these tensors costs on the wire in this encoding (gzipped when it says so).</summary>
    public static long WireBytes(IEnumerable<NamedTensor> tensors, UploadEncoding? encoding)
    {
        var metadata = encoding is null || encoding.Codec == UploadEncoding.F32
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [UploadEncoding.MetadataKey] = encoding.Codec };
        var file = new SafetensorsFile(tensors, metadata).ToBytes();
        return encoding?.Compression == UploadEncoding.Gzip ? UploadGzip.Compress(file).LongLength : file.LongLength;
    }
}
