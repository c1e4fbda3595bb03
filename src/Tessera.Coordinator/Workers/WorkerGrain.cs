using System.Text.Json;
using Orleans;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Workers;

/// <summary>
/// The Worker role as an Orleans grain (key = worker id): what the worker offers (capabilities), how fast it
/// measured, and the task it was last handed. It persists to SQLite and rebuilds from it on activation, so
/// sessions survive a coordinator restart. Identity and liveness (token hash, last seen, open long-polls) are
/// tracked where the worker's requests land, in this node's <see cref="WorkerRegistry"/>.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    Task Join(string name, string tokenHash, string? scopeJob, string capabilitiesJson);
    Task<WorkerProfile?> Profile();
    /// <summary>The worker's long-poll returned this task: its timing starts now (the first hand-out counts).</summary>
    Task Handed(string taskId);
    /// <summary>The task's upload arrived: measure samples over time since it was handed out; keep the worker's latest claim too.</summary>
    Task Finished(string taskId, long assignedSamples, long flopsPerSample, double claimedSamplesPerSecond);
    /// <summary>A job handed this worker a task.</summary>
    Task Assign(string jobId, string taskId);
    /// <summary>The job whose task this worker was last handed, if any.</summary>
    Task<string?> PendingJob();
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record DatasetOffer(string Name, int Samples);

/// <summary>
/// What a job needs to know about a worker to route and size its tasks. The coordinator measures FLOP/s
/// (<see cref="MeasuredFlops"/>, so a speed measured on one model carries over to another); <see cref="SpeedFor"/> turns
/// it into a job's samples/s for routing and K sizing. <see cref="Speed"/> and <see cref="MeasuredSpeed"/> are samples/s
/// on the worker's latest task's job, shown next to what the worker claimed for that task.
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record WorkerProfile(string Id, string Name, string? ScopeJob, string Runtime, int Cores, long MemoryMb, double Speed, DatasetOffer[] Datasets,
    double ClaimedSpeed = 0, double MeasuredSpeed = 0, double MeasuredFlops = 0)
{
    public bool SpeedClaimInflated => WorkerSpeed.ClaimInflated(ClaimedSpeed, MeasuredSpeed);

    /// <summary>Samples/s on a job of this many FLOPs per sample: measured FLOP/s over it, or the claim until measured.</summary>
    public double SpeedFor(long flopsPerSample) => MeasuredFlops > 0 && flopsPerSample > 0 ? MeasuredFlops / flopsPerSample : ClaimedSpeed;
}

public sealed class WorkerGrain(Store store) : Grain, IWorkerGrain
{
    WorkerProfile? _profile;
    (string Job, string Task)? _pending;
    (string Task, DateTimeOffset At)? _handed;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (store.Worker(this.GetPrimaryKeyString()) is { } row) _profile = ToProfile(row.Id, row.Name, row.ScopeJob, row.Capabilities, row.Speed, row.MeasuredSpeed ?? 0, row.MeasuredFlops ?? 0);
        return Task.CompletedTask;
    }

    static WorkerProfile ToProfile(string id, string name, string? scope, string capabilitiesJson, double claimed, double measured, double flops)
    {
        var caps = JsonSerializer.Deserialize<WorkerCapabilities>(capabilitiesJson, WireJson.Options) ?? new();
        return new WorkerProfile(id, name, scope, caps.Runtime, caps.Cores, caps.MemoryMb, WorkerSpeed.ForRouting(claimed, measured),
            caps.Datasets.Select(d => new DatasetOffer(d.Name, d.Samples)).ToArray(), claimed, measured, flops);
    }

    public Task Join(string name, string tokenHash, string? scopeJob, string capabilitiesJson)
    {
        var id = this.GetPrimaryKeyString();
        var speed = (JsonSerializer.Deserialize<WorkerCapabilities>(capabilitiesJson, WireJson.Options) ?? new()).SamplesPerSecond;
        store.UpsertWorker(new WorkerRow
        {
            Id = id, Name = name, TokenHash = tokenHash, ScopeJob = scopeJob, Capabilities = capabilitiesJson, Speed = speed,
            Joined = DateTimeOffset.UtcNow.ToString("O"),
        });
        _profile = ToProfile(id, name, scopeJob, capabilitiesJson, speed, 0, 0);
        return Task.CompletedTask;
    }

    public Task<WorkerProfile?> Profile() => Task.FromResult(_profile);

    public Task Handed(string taskId)
    {
        // A worker that re-polls the same task (it restarted) keeps the first hand-out time: the round waited all along.
        if (_handed?.Task != taskId) _handed = (taskId, DateTimeOffset.UtcNow);
        return Task.CompletedTask;
    }

    public Task Finished(string taskId, long assignedSamples, long flopsPerSample, double claimedSamplesPerSecond)
    {
        if (_profile is null) return Task.CompletedTask;
        double claimed = claimedSamplesPerSecond > 0 && double.IsFinite(claimedSamplesPerSecond) ? claimedSamplesPerSecond : _profile.ClaimedSpeed;
        double flops = _profile.MeasuredFlops;
        if (_handed is { } h && h.Task == taskId && WorkerSpeed.Sample(assignedSamples * Math.Max(1, flopsPerSample), DateTimeOffset.UtcNow - h.At) is { } sample)
            flops = WorkerSpeed.Blend(flops, sample);
        _handed = null;
        // Shown per the task's own job, so the claim and the measurement compare like with like.
        double measured = flops > 0 ? flops / Math.Max(1, flopsPerSample) : 0;
        _profile = _profile with { ClaimedSpeed = claimed, MeasuredSpeed = measured, MeasuredFlops = flops, Speed = WorkerSpeed.ForRouting(claimed, measured) };
        store.SetWorkerSpeed(_profile.Id, claimed, measured > 0 ? measured : null, flops > 0 ? flops : null);
        return Task.CompletedTask;
    }

    public Task Assign(string jobId, string taskId)
    {
        _pending = (jobId, taskId);
        return Task.CompletedTask;
    }

    public Task<string?> PendingJob() => Task.FromResult(_pending?.Job);
}
