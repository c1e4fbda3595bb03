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
        if (encoding is null || encoding.Codec == UploadEncoding.F32) return [NamedTensor.FromFloats(name, shape, delta)];
        if (!UploadEncoding.Codecs.Contains(encoding.Codec))
            throw new NotSupportedException($"the task asks for upload codec '{encoding.Codec}', which this worker does not know");
        // fp16 rounds a value past ±65504 to ±Infinity, which the coordinator refuses.
        var residual = encoding.Codec == UploadEncoding.TopK ? Residual(jobId, name, delta.Length) : default(Span<float>);
        return UploadTensors.From(name, shape, UploadCodecs.Encode(encoding, delta, residual));
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
