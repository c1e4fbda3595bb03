using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Workers;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// This node's directory of jobs: their ids, join tokens and compiled setups (artifact, template, shards), each
/// job's change signal, and the handle to its <see cref="IJobGrain"/>. Jobs created at other nodes of a cluster are
/// picked up from the shared database (on a miss, and every couple of seconds). The grains hold the state machines
/// and rebuild from the database on activation (a round that did not complete is re-run from scratch); this
/// service ticks them a few times a second with this node's view of its workers (live, and idle: no open task in
/// any job), so no grain ever waits on another and each grain merges the views of all nodes.
/// </summary>
public sealed class JobRegistry : BackgroundService
{
    readonly ConcurrentDictionary<string, JobHandle> _jobs = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, ChangeSignal> _changes = new(StringComparer.Ordinal);
    readonly Store _store;
    readonly BlobStore _blobs;
    readonly WorkerRegistry _workers;
    readonly DataCatalog _data;
    readonly CoordinatorOptions _options;
    readonly IGrainFactory _grains;
    readonly ILogger<JobRegistry> _log;
    readonly SiloAddress _local;
    readonly Lock _loading = new();

    public JobRegistry(Store store, BlobStore blobs, WorkerRegistry workers, DataCatalog data, CoordinatorOptions options, IGrainFactory grains,
        ILocalSiloDetails silo, ILogger<JobRegistry> log)
    {
        (_store, _blobs, _workers, _data, _options, _grains, _local, _log) = (store, blobs, workers, data, options, grains, silo.SiloAddress, log);
        Load();
    }

    public IEnumerable<JobHandle> All => _jobs.Values.OrderBy(j => j.Created);

    /// <summary>The job, looked up in the shared database when this node has not seen it yet (created at another node).</summary>
    public JobHandle? Get(string id)
    {
        if (_jobs.TryGetValue(id, out var j)) return j;
        Load();
        return _jobs.GetValueOrDefault(id);
    }

    public JobHandle? ByJoinToken(string token)
    {
        if (FindByJoinToken(token) is { } known) return known;
        Load(); // another node may have created it (or this node's tick is loading it right now)
        return FindByJoinToken(token);
    }

    JobHandle? FindByJoinToken(string token) =>
        _jobs.Values.FirstOrDefault(j => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(j.JoinToken), System.Text.Encoding.UTF8.GetBytes(token)));

    /// <summary>The job's compiled setup at this node (built from its spec the first time it is needed).</summary>
    public JobSetup SetupOf(string id) => Get(id)?.Setup ?? throw new InvalidOperationException($"job {id} is not known at this node");

    /// <summary>Wakes the job's event streams when its status changes.</summary>
    public ChangeSignal Changes(string id) => _changes.GetOrAdd(id, _ => new ChangeSignal());

    /// <summary>Parses, validates and starts a job; throws <see cref="JobSpecException"/> naming the bad field.</summary>
    public JobHandle Create(string specText) => Create(JobSpecParser.Parse(specText), specText);

    /// <summary>Starts a job from a parsed spec; <paramref name="specText"/> is what is stored and re-parsed on restart.</summary>
    public JobHandle Create(JobSpec spec, string specText)
    {
        var setup = JobSetup.Create(spec, _data, _blobs.GetModel, _blobs);
        var row = new JobRow
        {
            Id = "j-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)), Name = spec.Name,
            Spec = specText, Status = "running", JoinToken = "jt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Version = 0, Created = DateTimeOffset.UtcNow.ToString("O"),
        };
        var model = setup.Strategy.Initialize(setup.Template.Flatten());
        // Version 0 is written before the job exists in the database, so every recorded version has a checkpoint.
        _blobs.PutArtifact(setup.Artifact);
        _blobs.PutCheckpoint(row.Id, setup.Template, model);
        JobHandle job;
        lock (_loading)
        {
            _store.InsertJob(row);
            job = Add(row, setup);
        }
        _log.LogInformation("job {Job} '{Name}' created: {Model}, {Strategy}, {Rounds} rounds", row.Id, spec.Name, spec.Model, spec.Strategy.Name, spec.Rounds);
        _workers.Changes.Pulse();
        return job;
    }

    JobHandle Add(JobRow row, JobSetup setup) =>
        _jobs[row.Id] = new JobHandle(row.Id, row.JoinToken, DateTimeOffset.Parse(row.Created), setup, _grains.GetGrain<IJobGrain>(row.Id), Changes(row.Id))
        {
            Finished = IsFinished(row.Status),
            Estimate = row.Estimate is { } json ? JsonSerializer.Deserialize<JobEstimateView>(json, WireJson.Options) : null,
        };

    /// <summary>Keeps the estimate made at the job's creation with it (shown beside its progress, compared with the actuals at the end).</summary>
    public void RecordEstimate(JobHandle job, JobEstimateView estimate)
    {
        job.Estimate = estimate;
        _store.SetJobEstimate(job.Id, JsonSerializer.Serialize(estimate, WireJson.Options));
        job.Changes.Pulse();
    }

    /// <summary>What the ended job actually took: from the estimate to its last closed round, and its accepted tasks' training work.</summary>
    JobEstimateView WithActuals(JobHandle job, JobEstimateView e)
    {
        var closed = _store.Rounds(job.Id).Where(r => r.Closed is not null).Select(r => DateTimeOffset.Parse(r.Closed!)).ToList();
        double flops = (double)_store.AcceptedSteps(job.Id) * job.Setup.Spec.Local.BatchSize * job.Setup.Artifact.Manifest.FlopsPerSample;
        return e with
        {
            // From when the estimate was made: the job's creation, or when its first workers came (EstimateRefresher).
            ActualSeconds = closed.Count > 0 ? (closed.Max() - e.Made).TotalSeconds : null,
            // What its accepted work earns: granted, still pending or unverifiable; revoked credit is not paid.
            ActualTrainingFlops = flops, ActualCredits = _store.LedgerTotals(job.Id).Sum(l => l.Granted + l.Pending + l.Unverifiable),
        };
    }

    static bool IsFinished(string status) => status is "completed" or "cancelled" or "failed";

    /// <summary>Every job of the store this node does not know yet; unfinished ones are resumed by their grain's activation.</summary>
    int Load()
    {
        lock (_loading)
        {
            var rows = _store.Jobs();
            // A finished job stays finished: it is no longer ticked, so a node's idle tick costs O(unfinished jobs)
            // however many jobs the database has seen, and finished jobs' grains may deactivate.
            foreach (var row in rows)
                if (IsFinished(row.Status) && _jobs.TryGetValue(row.Id, out var known)) known.Finished = true;
            return rows.Count(row => !_jobs.ContainsKey(row.Id) && TryAdd(row));
        }
    }

    bool TryAdd(JobRow row)
    {
        try
            {
                var setup = JobSetup.Create(JobSpecParser.Parse(row.Spec), _data, _blobs.GetModel, _blobs);
                _blobs.PutArtifact(setup.Artifact);
                Add(row, setup);
                return true;
            }
        catch (Exception e) when (e is JobSpecException or IOException or JsonException)
        {
            _log.LogError(e, "job {Job} could not be resumed", row.Id);
            _store.SetJobStatus(row.Id, "failed", $"could not resume: {e.Message}");
            return false;
        }
    }

    /// <summary>Can this worker take this job's tasks at all (token scope and the job's requirements)?</summary>
    public static bool Accepts(JobHandle job, WorkerProfile w) => Accepts(job.Id, job.Setup, w);

    /// <summary>The same rule for a job that may not exist yet (<paramref name="jobId"/> null: workers scoped to any job are out).</summary>
    public static bool Accepts(string? jobId, JobSetup setup, WorkerProfile w)
    {
        var spec = setup.Spec;
        if (w.ScopeJob is { } scope && scope != jobId) return false;
        var req = spec.Requirements;
        if (req.Runtimes.Count > 0 && !req.Runtimes.Contains(w.Runtime)) return false;
        if (req.MinMemoryMb > 0 && w.MemoryMb < req.MinMemoryMb) return false;
        if (req.MinSamplesPerSecond > 0 && w.SpeedFor(setup.Artifact.Manifest.FlopsPerSample) < req.MinSamplesPerSecond) return false;
        // Data that stays on the workers: only a worker holding the job's data set can train it.
        var data = spec.Data;
        if (data.OnWorkers && !w.Datasets.Any(d => d.Name == data.Dataset && d.Samples > 0)) return false;
        return true;
    }

    /// <summary>The first open task for this worker in any job it may serve.</summary>
    public async Task<TaskMessage?> PendingTask(WorkerSession w, string baseUrl)
    {
        var grain = _workers.Grain(w.Id);
        if (await _workers.Profile(w.Id) is not { } profile) return null;
        // The worker grain knows which job handed it a task last; that job is asked first.
        var hint = await grain.PendingJob() is { } id ? Get(id) : null;
        foreach (var job in hint is null ? All : All.Where(j => j != hint).Prepend(hint))
            if (Accepts(job, profile) && await job.Grain.PendingTask(w.Id, _local) is { } t)
            {
                await grain.Handed(t.Id); // the coordinator times the task from here (WorkerSpeed)
                return job.Describe(t, baseUrl);
            }
        return null;
    }

    public async Task<(JobHandle Job, TaskInfo Task)?> FindTask(string taskId)
    {
        // Running jobs first: nearly every lookup is for one of theirs, and finished jobs pile up over time.
        // Finished ones are still asked, so a late upload learns its job ended rather than "no such task".
        foreach (var job in _jobs.Values.OrderBy(j => j.Finished))
            if (await job.Grain.FindTask(taskId) is { } t) return (job, t);
        return null;
    }

    /// <summary>The job's status as its grain sees it (live workers merged over every node's view), with what its setup says.</summary>
    public async Task<JobSnapshot> Snapshot(JobHandle job)
    {
        var aggregator = job.Setup.Spec.Strategy.Aggregator;
        var s = await job.Grain.Snapshot() with { Aggregator = aggregator.IsPlainMean ? null : aggregator.Summary };
        if (job.Estimate is not { } e) return s;
        // An ended job's actuals no longer change: read once.
        if (IsFinished(s.Status)) e = job.EstimateWithActuals ??= WithActuals(job, e);
        return s with { Estimate = e };
    }

    readonly SemaphoreSlim _tickSoon = new(0, 1);

    /// <summary>
    /// Runs this node's next tick now rather than at the next 250 ms mark: a job's round just closed, and its next round
    /// can start (and its tasks reach the waiting long-polls) without waiting out the interval.
    /// </summary>
    public void TickSoon()
    {
        try { _tickSoon.Release(); }
        catch (SemaphoreFullException) { }   // a tick is already due
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (long tick = 0; ; tick++)
        {
            await _tickSoon.WaitAsync(TimeSpan.FromMilliseconds(250), stoppingToken);
            // Jobs created at another node of the cluster.
            if (tick % 8 == 0)
            {
                try { Load(); }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "jobs could not be read from the database"); }
            }
            // A worker is idle when no job has an open task for it: one task at a time per worker.
            var busy = new HashSet<string>(StringComparer.Ordinal);
            var jobs = _jobs.Values.Where(j => !j.Finished).ToList();
            foreach (var job in jobs)
            {
                try { busy.UnionWith(await job.Grain.BusyWorkers()); }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "job {Job} could not be asked for its tasks", job.Id); }
            }
            // A grain ticked by another node may have handed a task to a worker long-polling here: wake that poll.
            _workers.Wake(busy.Where(id => _workers.Get(id) is { IsPolling: true }));
            IReadOnlyList<WorkerProfile> live;
            try { live = await _workers.Profiles(_workers.Live(_options.WorkerTimeout)); }
            catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "worker profiles could not be read"); continue; }
            foreach (var job in jobs)
            {
                try
                {
                    var serving = live.Where(w => Accepts(job, w)).ToList();
                    var view = new NodeView(_local, serving.Select(w => w.Id).ToArray(), serving.Where(w => !busy.Contains(w.Id)).ToArray());
                    var assigned = await job.Grain.Tick(view);
                    busy.UnionWith(assigned);
                    _workers.Wake(assigned);
                }
                catch (Exception e) when (e is not OperationCanceledException) { _log.LogError(e, "tick of job {Job} failed", job.Id); }
            }
        }
    }
}

/// <summary>A job as this node knows it: identity, compiled setup and its grain.</summary>
public sealed class JobHandle(string id, string joinToken, DateTimeOffset created, JobSetup setup, IJobGrain grain, ChangeSignal changes)
{
    public string Id { get; } = id;
    public string JoinToken { get; } = joinToken;
    public DateTimeOffset Created { get; } = created;
    public JobSetup Setup { get; } = setup;
    public string Name => Setup.Spec.Name;
    public IJobGrain Grain { get; } = grain;
    public ChangeSignal Changes { get; } = changes;
    /// <summary>Completed, cancelled or failed, as the database says (refreshed every couple of seconds); such jobs are not ticked.</summary>
    public bool Finished { get; set; }
    /// <summary>The estimate made when the job was created (null for jobs created without one).</summary>
    public JobEstimateView? Estimate { get; set; }
    public JobEstimateView? EstimateWithActuals { get; set; }

    public Task<long> Version() => Grain.Version();
    public Task<string?> SetStatus(JobStatus target) => Grain.SetStatus(target);

    public TaskMessage Describe(TaskInfo t, string baseUrl) => new()
    {
        TaskId = t.Id, JobId = Id, Round = t.Round, Version = t.Version, Model = Setup.Model.Name,
        Artifact = new ArtifactRef(Setup.Artifact.Sha256, $"{baseUrl}/api/v1/artifacts/{Setup.Artifact.Sha256}"),
        WeightsUrl = $"{baseUrl}/api/v1/weights/{Id}/{t.Version}",
        Data = new TaskData { ShardUrl = t.Shard is { } s ? $"{baseUrl}/api/v1/shards/{Id}/{s}" : null, Shard = t.Shard, Local = t.LocalData, Samples = t.Samples,
            Format = t.LocalData is null ? null : Setup.Spec.Data.Format },
        Hyperparameters = Setup.TaskHyperparameters(),
        EvaluateModelUrl = Setup.EvaluatesFederated(t) ? $"{baseUrl}/api/v1/jobs/{Id}/model?format=onnx&version={t.Version}" : null,
        // From the job seed and the task id's random hex (the plan's rule), so it is the same on every node and after restarts.
        Seed = Setup.TaskSeed(t.VerifiesTask is { } original ? t with { Id = original } : t),
        Steps = t.Steps, CommitEvery = Setup.Spec.Verification.CommitEvery, BatchSize = Setup.Spec.Local.BatchSize, Epochs = Setup.Spec.Local.Epochs, Deadline = t.Deadline,
        ResultUrl = $"{baseUrl}/api/v1/tasks/{t.Id}/result",
        Upload = Setup.Spec.Upload.ForTask(),
        ServerControlUrl = Setup.UsesControlVariates ? $"{baseUrl}/api/v1/controls/{Id}/{t.Version}" : null,
        // Under secure aggregation the worker keeps its own c_i: the coordinator never sees Δc_i to advance it.
        ClientControlUrl = Setup.UsesControlVariates && t.Secure is null ? $"{baseUrl}/api/v1/controls/{Id}/{t.Version}/workers/{t.WorkerId}" : null,
        Verifies = t.VerifiesTask is { } task ? new VerificationRef(task, t.VerifiesWorker!) : null,
        Privacy = Setup.Plan.Privacy is { IsLocal: true } p ? new LocalPrivacyTask(p.Spec.Clip, p.NoiseMultiplier) : null,
        SecureAggregation = t.Secure is { } slot ? SecureRoundPlan.Task(Setup, Id, t.Round, slot, $"{baseUrl}/api/v1/tasks/{t.Id}/secagg",
            Setup.UsesControlVariates ? $"{baseUrl}/api/v1/controls/{Id}/rounds/{t.Round}/workers/{t.WorkerId}" : null) : null,
    };
}
