using System.Collections.Concurrent;
using Tessera.Federation.Codecs;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Simulation;

/// <summary>
/// The job's <c>upload:</c> codec applied to a virtual client's delta the way a deployed worker encodes it and the
/// coordinator decodes it (per parameter, the same library codecs), so a simulated run shows what fp16, bf16, int8 or top-k
/// does to accuracy. Top-k keeps each client's error-feedback residual: memory O(clients that trained × model).
/// </summary>
public sealed class UploadCompression
{
    readonly UploadEncoding _encoding;
    readonly ParameterSet _template;
    readonly ConcurrentDictionary<int, float[]> _residuals = new();

    UploadCompression(UploadEncoding encoding, ParameterSet template)
    {
        _encoding = encoding;
        _template = template;
    }

    /// <summary>Null when the job uploads dense F32 as is (nothing to simulate; <see cref="DenseWireBytes"/> is its size).</summary>
    public static UploadCompression? For(JobSpec spec, ParameterSet template) =>
        spec.Upload.ForTask() is { } encoding ? new UploadCompression(encoding, template) : null;

    /// <summary>Wire bytes of one dense F32 update of this model (content does not change it).</summary>
    public static long DenseWireBytes(ParameterSet template) => UploadTensors.WireBytes(DenseTensors(template, new float[template.Count]), null);

    /// <summary>Top-k residuals per client (for checkpoints).</summary>
    public IReadOnlyDictionary<int, float[]> Residuals => _residuals;

    public void Restore(IReadOnlyDictionary<int, float[]> residuals)
    {
        foreach (var (client, r) in residuals) _residuals[client] = r;
    }

    /// <summary>
    /// What the coordinator folds for this client's <paramref name="delta"/>, and the bytes the client's upload file
    /// costs on the wire (measured: gzip depends on the values). As on a worker, top-k adds the client's residual
    /// into <paramref name="delta"/> in place.
    /// </summary>
    public (float[] Folded, long WireBytes) Apply(int client, float[] delta)
    {
        if (_encoding.Codec == UploadEncoding.F32)
            return (delta, UploadTensors.WireBytes(DenseTensors(_template, delta), _encoding));
        var folded = new float[delta.Length];
        float[]? residual = _encoding.Codec == UploadEncoding.TopK ? _residuals.GetOrAdd(client, _ => new float[delta.Length]) : null;
        var tensors = new List<Protocol.NamedTensor>();
        int offset = 0;
        foreach (var p in _template.Tensors)
        {
            int length = p.Values.Length;
            var encoded = UploadCodecs.Encode(_encoding, delta.AsSpan(offset, length), residual is null ? default : residual.AsSpan(offset, length));
            UploadCodecs.Decode(encoded, folded.AsSpan(offset, length));
            tensors.AddRange(UploadTensors.From(p.Name, p.Shape, encoded));
            offset += length;
        }
        return (folded, UploadTensors.WireBytes(tensors, _encoding));
    }

    static IEnumerable<Protocol.NamedTensor> DenseTensors(ParameterSet template, float[] flat)
    {
        int offset = 0;
        foreach (var p in template.Tensors)
        {
            yield return Protocol.NamedTensor.FromFloats(p.Name, p.Shape, flat.AsSpan(offset, p.Values.Length));
            offset += p.Values.Length;
        }
    }
}
