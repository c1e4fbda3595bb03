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
    readonly int[] _parameterLengths;
    readonly ConcurrentDictionary<int, float[]> _residuals = new();

    UploadCompression(UploadEncoding encoding, ParameterSet template)
    {
        _encoding = encoding;
        _parameterLengths = template.Tensors.Select(t => t.Values.Length).ToArray();
    }

    /// <summary>Null when the job uploads dense F32 (nothing to simulate).</summary>
    public static UploadCompression? For(JobSpec spec, ParameterSet template) =>
        spec.Upload.ForTask() is { } encoding ? new UploadCompression(encoding, template) : null;

    /// <summary>Top-k residuals per client (for checkpoints).</summary>
    public IReadOnlyDictionary<int, float[]> Residuals => _residuals;

    public void Restore(IReadOnlyDictionary<int, float[]> residuals)
    {
        foreach (var (client, r) in residuals) _residuals[client] = r;
    }

    /// <summary>
    /// What the coordinator folds for this client's <paramref name="delta"/>. As on a worker, top-k adds the client's
    /// residual into <paramref name="delta"/> in place.
    /// </summary>
    public float[] Apply(int client, float[] delta)
    {
        var folded = new float[delta.Length];
        float[]? residual = _encoding.Codec == UploadEncoding.TopK ? _residuals.GetOrAdd(client, _ => new float[delta.Length]) : null;
        int offset = 0;
        foreach (int length in _parameterLengths)
        {
            var values = delta.AsSpan(offset, length);
            var into = folded.AsSpan(offset, length);
            if (residual is null) UploadCodecs.RoundTrip(_encoding, values, into);
            else
            {
                int k = UploadEncoding.KFor(length, _encoding.Fraction);
                new TopKCodec(k).DecodeInto(TopKErrorFeedback.Encode(values, residual.AsSpan(offset, length), k), into);
            }
            offset += length;
        }
        return folded;
    }
}
