using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Cli.Commands;

/// <summary>
/// The demo's clearly labelled cheater: the stranger of the trust issue, written against the protocol alone. It
/// never trains; for each task it uploads a well-formed update of +1.0 in every element, with full claimed
/// steps and samples, an inflated speed and a commitment chain consistent with its claim. The coordinator's
/// replay audit catches it; what it was told is kept for the demo's summary.
/// </summary>
internal sealed class DemoCheater(string url, string token) : IDisposable
{
    public const string Name = "cheater (+1.0, never trains)";
    readonly HttpClient _http = new() { BaseAddress = new Uri(url) };

    public string WorkerId { get; private set; } = "";
    public int Uploads { get; private set; }
    public string? Refusal { get; private set; }
    public int? CaughtInRound { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        var join = await _http.PostAsJsonAsync("/api/v1/workers/join",
            new JoinRequest { Token = token, Name = Name, Capabilities = new WorkerCapabilities { SamplesPerSecond = 1_000_000 } }, WireJson.Options, stop);
        var joined = (await join.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options, stop))!;
        WorkerId = joined.WorkerId;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", joined.SessionToken);
        while (!stop.IsCancellationRequested && Refusal is null)
        {
            using var poll = await _http.GetAsync("/api/v1/tasks/next?wait=5", stop);
            if (poll.StatusCode != System.Net.HttpStatusCode.OK) continue;
            var task = (await poll.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options, stop))!;
            var weights = SafetensorsFile.Read(await _http.GetByteArrayAsync(task.WeightsUrl, stop));
            using var res = await _http.PostAsync(task.ResultUrl, new ByteArrayContent(Forge(task, weights)), stop);
            Uploads++;
            if (!res.IsSuccessStatusCode)
            {
                Refusal = JsonDocument.Parse(await res.Content.ReadAsStringAsync(stop)).RootElement.GetProperty("error").GetString();
                CaughtInRound = task.Round;
            }
        }
    }

    byte[] Forge(TaskMessage task, SafetensorsFile weights)
    {
        var deltas = weights.Tensors.Select(t => NamedTensor.FromFloats(t.Name, t.Shape.ToArray(), Enumerable.Repeat(1f, (int)t.ElementCount()).ToArray())).ToList();
        var claimed = weights.Tensors.SelectMany(t => t.ToFloatArray().Select(v => v + 1f)).ToArray();
        var chain = new CommitmentChain(task.TaskId, WorkerId, task.Version);
        foreach (int step in CommitmentChain.Schedule(task.Steps, task.CommitEvery)) chain.Add(step, MemoryMarshal.AsBytes(claimed.AsSpan()));
        var envelope = new UpdateEnvelope
        {
            TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = (long)task.Steps * task.BatchSize, Steps = task.Steps,
            LossTrace = Enumerable.Repeat(0.01f, task.Steps).ToArray(), Commitment = chain.Head, Checkpoints = chain.Checkpoints, SamplesPerSecond = 1_000_000,
        };
        return new SafetensorsFile(deltas, envelope.ToMetadata()).ToBytes();
    }

    public void Dispose() => _http.Dispose();
}
