using Tessera.Federation.Codecs;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Worker;

/// <summary>
/// Encodes a task's delta in the encoding the task asks for (<see cref="UploadEncoding"/>), with the Federation
/// library's codecs. Top-k keeps error feedback: what a round's top-k dropped is added to the next round's delta
/// of the same job (Stich et al. 2018; Karimireddy et al. 2019), so small coordinates are delayed, not lost.
/// </summary>
public sealed class UpdateEncoder
{
    readonly Dictionary<string, float[]> _residuals = new(StringComparer.Ordinal);
    string? _residualJob;

    /// <summary>The tensors to upload for one parameter's delta (modified in place when error feedback adds to it).</summary>
    public IEnumerable<NamedTensor> Encode(string jobId, UploadEncoding? encoding, string name, long[] shape, float[] delta)
    {
        switch (encoding?.Codec)
        {
            case null or UploadEncoding.F32:
                return [NamedTensor.FromFloats(name, shape, delta)];
            case UploadEncoding.Fp16 or UploadEncoding.Bf16:
                // Rounded to nearest even; a value past fp16's ±65504 becomes ±Infinity, which the coordinator refuses.
                return [NamedTensor.FromFloats(name, shape, delta, UploadEncoding.DenseDType(encoding.Codec))];
            case UploadEncoding.Int8:
            {
                var q = (Int8Vector)new Int8Codec(UploadEncoding.ChunkFor(delta.Length, encoding.BlockSize)).Encode(delta);
                var bytes = new byte[q.Values.Length];
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(q.Values.AsSpan()).CopyTo(bytes);
                return [new NamedTensor(name, SafetensorsDType.I8, shape, bytes), NamedTensor.FromFloats(name + UploadEncoding.ScalesSuffix, [q.Scales.Length], q.Scales)];
            }
            case UploadEncoding.TopK:
            {
                var sparse = TopKErrorFeedback.Encode(delta, Residual(jobId, name, delta.Length), UploadEncoding.KFor(delta.Length, encoding.Fraction));
                return
                [
                    NamedTensor.FromInt32s(name + UploadEncoding.IndicesSuffix, [sparse.Indices.Length], sparse.Indices),
                    NamedTensor.FromFloats(name + UploadEncoding.ValuesSuffix, [sparse.Values.Length], sparse.Values),
                ];
            }
            default:
                throw new NotSupportedException($"the task asks for upload codec '{encoding.Codec}', which this worker does not know");
        }
    }

    /// <summary>Metadata to add to the update file (the encoding, when not dense).</summary>
    public static IReadOnlyDictionary<string, string> WithEncoding(IReadOnlyDictionary<string, string> metadata, UploadEncoding? encoding)
    {
        if (encoding is null || encoding.Codec == UploadEncoding.F32) return metadata;
        return new Dictionary<string, string>(metadata) { [UploadEncoding.MetadataKey] = encoding.Codec };
    }

    float[] Residual(string jobId, string name, int length)
    {
        // Residuals belong to one job's model; a task of another job starts clean.
        if (_residualJob != jobId) { _residuals.Clear(); _residualJob = jobId; }
        if (!_residuals.TryGetValue(name, out var r) || r.Length != length) _residuals[name] = r = new float[length];
        return r;
    }
}
