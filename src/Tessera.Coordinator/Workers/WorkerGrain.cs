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
    Task RecordSpeed(double samplesPerSecond);
    /// <summary>A job handed this worker a task.</summary>
    Task Assign(string jobId, string taskId);
    /// <summary>The job whose task this worker was last handed, if any.</summary>
    Task<string?> PendingJob();
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record DatasetOffer(string Name, int Samples);

/// <summary>What a job needs to know about a worker to route and size its tasks.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record WorkerProfile(string Id, string Name, string? ScopeJob, string Runtime, int Cores, long MemoryMb, double Speed, DatasetOffer[] Datasets);

public sealed class WorkerGrain(Store store) : Grain, IWorkerGrain
{
    WorkerProfile? _profile;
    (string Job, string Task)? _pending;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (store.Worker(this.GetPrimaryKeyString()) is { } row) _profile = ToProfile(row.Id, row.Name, row.ScopeJob, row.Capabilities, row.Speed);
        return Task.CompletedTask;
    }

    static WorkerProfile ToProfile(string id, string name, string? scope, string capabilitiesJson, double speed)
    {
        var caps = JsonSerializer.Deserialize<WorkerCapabilities>(capabilitiesJson, WireJson.Options) ?? new();
        return new WorkerProfile(id, name, scope, caps.Runtime, caps.Cores, caps.MemoryMb, speed,
            caps.Datasets.Select(d => new DatasetOffer(d.Name, d.Samples)).ToArray());
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
        _profile = ToProfile(id, name, scopeJob, capabilitiesJson, speed);
        return Task.CompletedTask;
    }

    public Task<WorkerProfile?> Profile() => Task.FromResult(_profile);

    public Task RecordSpeed(double samplesPerSecond)
    {
        if (_profile is null || !(samplesPerSecond > 0) || !double.IsFinite(samplesPerSecond)) return Task.CompletedTask;
        _profile = _profile with { Speed = samplesPerSecond };
        store.SetWorkerSpeed(_profile.Id, samplesPerSecond);
        return Task.CompletedTask;
    }

    public Task Assign(string jobId, string taskId)
    {
        _pending = (jobId, taskId);
        return Task.CompletedTask;
    }

    public Task<string?> PendingJob() => Task.FromResult(_pending?.Job);
}
