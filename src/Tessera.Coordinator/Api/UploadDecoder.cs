using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Tessera.Coordinator.Jobs;
using Tessera.Federation;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Turns an uploaded safetensors body into a <see cref="ClientUpdate"/>, checking everything an untrusted
/// worker could get wrong: format, metadata, that it answers this task and version, tensor names, dtypes,
/// shapes, finite values and plausible counts. Throws <see cref="UploadRejectedException"/>; changes nothing.
/// </summary>
public static class UploadDecoder
{
    /// <param name="controlVariates">SCAFFOLD (dense uploads only): the upload must also carry Δc_i (<see cref="ControlDeltaDecoder"/>).</param>
    /// <param name="into">Where the delta goes (exactly template.Count floats, e.g. from <see cref="DeltaBuffers"/>); null allocates.</param>
    public static (ClientUpdate Update, UpdateEnvelope Envelope) Decode(ReadOnlySpan<byte> body, TaskInfo task, ParameterSet template, int batchSize, string workerId,
        UploadEncoding? encoding = null, bool controlVariates = false, float[]? into = null)
    {
        if (into is not null && into.Length != template.Count) throw new ArgumentException($"{into.Length} floats cannot hold a model of {template.Count}", nameof(into));
        SafetensorsFile file;
        try { file = SafetensorsFile.Read(body); }
        catch (Exception e) when (e is SafetensorsFormatException or ArgumentException or OverflowException)
        { throw Bad($"the body is not a valid safetensors file: {e.Message}"); }

        UpdateEnvelope env;
        try { env = UpdateEnvelope.FromMetadata(file.Metadata); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw Bad(e.Message); }
        if (env.TaskId != task.Id) throw Bad($"metadata task_id '{env.TaskId}' does not match task {task.Id} of the URL");
        if (env.BaseVersion != task.Version)
            throw new UploadRejectedException(StatusCodes.Status409Conflict, $"update was trained from version {env.BaseVersion} but task {task.Id} is on version {task.Version} (stale)");
        if (env.Steps < 1 || env.Steps > task.Steps) throw Bad($"steps {env.Steps} is outside 1..{task.Steps} (the task's K)");
        if (env.SampleCount < 1 || env.SampleCount > (long)env.Steps * batchSize)
            throw Bad($"sample_count {env.SampleCount} is outside 1..{(long)env.Steps * batchSize} (steps x batch size)");
        if (env.Commitment.Length != 64 || !env.Commitment.All(char.IsAsciiHexDigit)) throw Bad("commitment must be 64 hex digits (sha256 of the final weights)");

        if (encoding is { IsDense: false })
        {
            // int8 / top-k jobs: a compressed file in the job's encoding, decoded straight into the flat delta.
            // Top-k writes only the kept entries: a reused array starts from zeros.
            if (into is not null) Array.Clear(into);
            var decoded = into ?? new float[template.Count];
            CompressedUploadDecoder.DecodeInto(file, template, encoding, decoded, workerId);
            return (new ClientUpdate(workerId, decoded, env.SampleCount, env.Steps, BaseVersion: env.BaseVersion), env);
        }
        CompressedUploadDecoder.RequireEncoding(file, encoding);
        if (encoding?.Codec == UploadEncoding.F32) encoding = null; // gzipped f32: dense F32 as ever
        var expected = template.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
            if (!expected.Contains(t.Name) && !(controlVariates && ControlDeltaDecoder.IsControlDelta(t.Name))) throw Bad($"unexpected tensor '{t.Name}'; the model's parameters are {string.Join(", ", expected)}");
        // An fp16/bf16 job takes only its own dtype (its owner chose the bytes); an f32 job also takes F16/BF16.
        var flat = DenseTensorReader.Read(file, template, name => name, workerId, "updates",
            dtype: encoding is null ? null : UploadEncoding.DenseDType(encoding.Codec), codec: encoding?.Codec, into: into);
        float[]? dc = controlVariates ? ControlDeltaDecoder.Read(file, template, workerId) : null;
        return (new ClientUpdate(workerId, flat, env.SampleCount, env.Steps, dc, env.BaseVersion), env);
    }

    static UploadRejectedException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
