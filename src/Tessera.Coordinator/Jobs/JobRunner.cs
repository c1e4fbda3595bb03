using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Workers;
using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Federation;
using Tessera.Federation.Async;
using Tessera.Protocol.Wire;
using Tessera.Runtime;

namespace Tessera.Coordinator.Jobs;

public enum JobStatus { Running, Paused, Cancelled, Completed, Failed }

/// <summary>
/// One job's round state machine (the "Job" role of Bonawitz et al.): select → configure → collect → close on
/// quorum or deadline → aggregate → evaluate → checkpoint. It sees tensors only through its round's aggregator;
/// everything it decides is a small notice (task created, update accepted, round closed).
/// All transitions happen under one lock; the slow part of closing (aggregate, evaluate, write) runs outside it.
/// </summary>
public sealed partial class JobRunner : IDisposable
{
    readonly Lock _gate = new();
    readonly Store _store;
    readonly BlobStore _blobs;
    readonly WorkerRegistry _workers;
    readonly DataCatalog _data;
    readonly CoordinatorOptions _options;
    readonly CoordinatorMetrics _metrics;
    readonly ILogger _log;
    readonly Dictionary<string, int> _shardOf = new(StringComparer.Ordinal);
    readonly Dictionary<string, RoundTask> _allTasks = new(StringComparer.Ordinal);
    Evaluator? _evaluator;
    GlobalModel _model;
    RoundState? _round;
    DateTimeOffset _waitingSince = DateTimeOffset.UtcNow;
    double? _lastAccuracy;

    public string Id { get; }
    public string Name => Setup.Spec.Name;
    public string JoinToken { get; }
    public JobSetup Setup { get; }
    public JobStatus Status { get; private set; }
    public string? Error { get; private set; }
    public ChangeSignal Changes { get; } = new();
    public DateTimeOffset Created { get; }

    public JobRunner(JobRow row, JobSetup setup, GlobalModel model, Store store, BlobStore blobs, WorkerRegistry workers, DataCatalog data,
        CoordinatorOptions options, CoordinatorMetrics metrics, ILogger log)
    {
        Id = row.Id;
        JoinToken = row.JoinToken;
        Created = DateTimeOffset.Parse(row.Created);
        Setup = setup;
        Status = Enum.Parse<JobStatus>(row.Status, ignoreCase: true);
        Error = row.Error;
        _model = model;
        _store = store;
        _blobs = blobs;
        _workers = workers;
        _data = data;
        _options = options;
        _metrics = metrics;
        _log = log;
        if (setup.Spec.Strategy.Name == "fedbuff")
            _fedBuff = new FedBuffAggregator(setup.Strategy, model, setup.Spec.Strategy.BufferSize, maxStaleness: setup.Spec.Strategy.MaxStaleness);
    }

    public long Version { get { lock (_gate) return _model.Version; } }
    public GlobalModel Model { get { lock (_gate) return _model; } }

    TimeSpan Deadline => Setup.Spec.DeadlineSeconds is { } s ? TimeSpan.FromSeconds(s) : _options.DefaultDeadline;

    // ---------------------------------------------------------------- selection and configuration

    /// <summary>Can this worker take this job's tasks at all (token scope and the job's requirements)?</summary>
    public bool Accepts(WorkerSession w)
    {
        if (w.ScopeJob is { } scope && scope != Id) return false;
        var req = Setup.Spec.Requirements;
        var caps = w.Capabilities;
        if (req.Runtimes.Count > 0 && !req.Runtimes.Contains(caps.Runtime)) return false;
        if (req.MinMemoryMb > 0 && caps.MemoryMb < req.MinMemoryMb) return false;
        if (req.MinSamplesPerSecond > 0 && w.Speed < req.MinSamplesPerSecond) return false;
        return true;
    }

    /// <summary>Periodic step: start a round when enough workers wait, expire dropped tasks, close on deadline.</summary>
    public void Tick(Func<WorkerSession, bool> isIdle)
    {
        bool changed = false, close = false;
        // Idleness asks every job (this one included), so it is settled before taking this job's lock: no job
        // ever waits for another's lock while holding its own.
        var idle = _workers.Live(_options.WorkerTimeout).Where(w => Accepts(w) && isIdle(w)).ToList();
        lock (_gate)
        {
            if (Status != JobStatus.Running) return;
            var now = DateTimeOffset.UtcNow;
            if (_fedBuff is not null) changed = TickAsync(now, idle);
            else if (_round is null) changed = TryStartRound(now, idle);
            else if (_round.Phase == RoundPhase.Collecting)
            {
                var r = _round;
                foreach (var t in r.Open.ToList())
                {
                    // A worker that stopped heartbeating dropped out: its task no longer counts towards the round.
                    var w = _workers.Get(t.WorkerId);
                    if (w is null || !w.IsLive(_options.WorkerTimeout) || now > t.Deadline) { Expire(t); changed = true; }
                }
                int needed = r.Target - r.Accepted - r.Open.Count();
                if (needed > 0 && now <= r.Deadline) changed |= Invite(r, needed, now, idle) > 0;
                bool nothingPending = !r.Open.Any();
                if ((now > r.Deadline || nothingPending) && r.Accepted >= Math.Max(1, Setup.Spec.MinClients)) close = BeginClose(r);
                else if (now > r.Deadline)
                {
                    // Too few results by the deadline: keep the round open for replacements rather than fail it.
                    r.Deadline = now + Deadline;
                    changed = true;
                }
            }
        }
        if (close) _ = Task.Run(CloseRound);
        if (changed)
        {
            Pulse();
            _workers.Changes.Pulse(); // wakes long-polls: a task may be waiting for one of them
        }
    }

    bool TryStartRound(DateTimeOffset now, List<WorkerSession> idle)
    {
        var spec = Setup.Spec;
        if (_model.Version >= spec.Rounds) return false;
        var candidates = Candidates(idle, exclude: null);
        int wanted = spec.ClientsPerRound ?? spec.MinClients;
        bool windowOver = now - _waitingSince >= _options.SelectionWindow;
        if (candidates.Count < Math.Max(wanted, spec.MinClients) && !(windowOver && candidates.Count >= spec.MinClients)) return false;
        if (spec.ClientsPerRound is null && !windowOver) return false;

        int round = (int)_model.Version + 1;
        var plan = Setup.Strategy.ConfigureRound(round, _model, candidates.Select(c => c.Id).ToList());
        int attempt = _store.StartRound(Id, round, _model.Version);
        var r = new RoundState
        {
            Round = round, Attempt = attempt, Version = _model.Version, Target = plan.TargetResults, Invited = plan.Clients.Count,
            NodeAggregator = Setup.Strategy.BeginRound(round, _model), Started = now, Deadline = now + Deadline,
        };
        _round = r;
        var chosen = plan.Clients.Select(c => c.ClientId).ToHashSet();
        foreach (var w in candidates.Where(c => chosen.Contains(c.Id))) CreateTask(r.Round, r.Attempt, r.Version, r.Deadline, r.Tasks, w);
        _log.LogInformation("job {Job} round {Round} (attempt {Attempt}): invited {Invited} of {Available} workers, quorum {Target}",
            Id, round, attempt, r.Invited, candidates.Count, r.Target);
        return true;
    }

    int Invite(RoundState r, int count, DateTimeOffset now, List<WorkerSession> idle)
    {
        var pool = Candidates(idle, exclude: r);
        foreach (var w in pool.Take(count)) CreateTask(r.Round, r.Attempt, r.Version, r.Deadline, r.Tasks, w);
        return Math.Min(count, pool.Count);
    }

    static List<WorkerSession> Candidates(List<WorkerSession> idle, RoundState? exclude) =>
        idle.Where(w => exclude is null || (!exclude.Contributors.Contains(w.Id) && !exclude.Tasks.Values.Any(t => t.WorkerId == w.Id && t.State == TaskState.Assigned)))
            .OrderBy(w => w.Id, StringComparer.Ordinal).ToList();

    void CreateTask(int round, int attempt, long version, DateTimeOffset deadline, Dictionary<string, RoundTask> into, WorkerSession w)
    {
        var spec = Setup.Spec;
        string? local = w.Capabilities.Datasets.FirstOrDefault(d => d.Name == spec.Data.Dataset && d.Samples > 0)?.Name;
        int? shard = null;
        int samples;
        if (local is not null) samples = w.Capabilities.Datasets.First(d => d.Name == local).Samples;
        else
        {
            if (!_shardOf.TryGetValue(w.Id, out var s)) _shardOf[w.Id] = s = _shardOf.Count % Setup.Shards.Length;
            shard = s;
            samples = Setup.Shards[s].Length;
        }
        int batch = spec.Local.BatchSize;
        int steps = spec.Local.Epochs * Math.Max(1, (samples + batch - 1) / batch);
        if (spec.Local.MaxSteps is { } cap) steps = Math.Min(steps, cap);
        // Size K from the worker's measured speed so that slow and fast workers finish inside the deadline together.
        if (w.Speed > 0) steps = Math.Clamp((int)(w.Speed * Deadline.TotalSeconds * 0.5 / batch), 1, steps);
        var task = new RoundTask
        {
            Id = "t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), WorkerId = w.Id, Round = round, Version = version,
            Steps = steps, Shard = shard, LocalData = local, Samples = samples, Deadline = deadline,
        };
        _store.InsertTask(task.Id, Id, round, attempt, w.Id, steps, deadline);
        into[task.Id] = task;
        _allTasks[task.Id] = task;
        _metrics.TasksAssigned.Add(1);
    }

    void Expire(RoundTask t)
    {
        t.State = TaskState.Expired;
        _store.SetTaskStatus(t.Id, "expired");
        _metrics.TasksExpired.Add(1);
    }

    /// <summary>The task this worker should run now, if the current round has one open for it.</summary>
    public TaskMessage? PendingTask(WorkerSession w, string baseUrl)
    {
        lock (_gate)
        {
            if (Status != JobStatus.Running) return null;
            var open = _fedBuff is not null ? _asyncTasks : _round is { Phase: RoundPhase.Collecting } r ? r.Tasks : null;
            var t = open?.Values.FirstOrDefault(t => t.WorkerId == w.Id && t.State == TaskState.Assigned);
            return t is null ? null : Describe(t, baseUrl);
        }
    }

    public bool HasOpenTask(string workerId)
    {
        lock (_gate)
        {
            var open = _fedBuff is not null ? _asyncTasks : _round?.Tasks;
            return open is not null && open.Values.Any(t => t.WorkerId == workerId && t.State == TaskState.Assigned);
        }
    }

    TaskMessage Describe(RoundTask t, string baseUrl) => new()
    {
        TaskId = t.Id, JobId = Id, Round = t.Round, Version = t.Version, Model = Setup.Model.Name,
        Artifact = new ArtifactRef(Setup.Artifact.Sha256, $"{baseUrl}/api/v1/artifacts/{Setup.Artifact.Sha256}"),
        WeightsUrl = $"{baseUrl}/api/v1/weights/{Id}/{t.Version}",
        Data = new TaskData { ShardUrl = t.Shard is { } s ? $"{baseUrl}/api/v1/shards/{Id}/{s}" : null, Shard = t.Shard, Local = t.LocalData, Samples = t.Samples },
        Hyperparameters = Setup.TaskHyperparameters(),
        // Derived from the job seed and the task id's random hex, so a task's seed is the same on every node and after restarts.
        Seed = Setup.Spec.Seed * 1_000_003UL + (ulong)t.Round * 7919UL + Convert.ToUInt64(t.Id[2..], 16),
        Steps = t.Steps, BatchSize = Setup.Spec.Local.BatchSize, Epochs = Setup.Spec.Local.Epochs, Deadline = t.Deadline,
        ResultUrl = $"{baseUrl}/api/v1/tasks/{t.Id}/result",
    };

    // ---------------------------------------------------------------- collection

    /// <summary>Finds a task this process handed out; the caller checks ownership and state via <see cref="CheckUpload"/>.</summary>
    public RoundTask? FindTask(string taskId) { lock (_gate) return _allTasks.GetValueOrDefault(taskId); }

    /// <summary>Why an upload for this task cannot be accepted now, or null. Checked before the body is read.</summary>
    public string? CheckUpload(RoundTask t)
    {
        lock (_gate)
        {
            if (t.State == TaskState.Accepted) return $"task {t.Id} was already accepted; a replayed upload is not counted twice";
            if (Status is JobStatus.Cancelled or JobStatus.Completed or JobStatus.Failed) return $"job {Id} is {Status.ToString().ToLowerInvariant()}";
            if (_fedBuff is not null) return CheckAsyncUpload(t);
            if (_round is null || _round.Round != t.Round || !_round.Tasks.ContainsKey(t.Id))
                return $"task {t.Id} belongs to round {t.Round}, which is closed (the job is on version {_model.Version})";
            if (_round.Phase != RoundPhase.Collecting) return $"round {t.Round} is closing; late results are not counted";
            if (t.State == TaskState.Expired) return $"task {t.Id} expired (deadline or missed heartbeats); the round went on without it";
            return null;
        }
    }

    /// <summary>Records and folds a validated update. Returns null on success or the reason it was refused (nothing changed).</summary>
    public string? Accept(RoundTask t, WorkerSession w, ClientUpdate update, UpdateEnvelope envelope, long bytes)
    {
        bool close = false;
        int count;
        lock (_gate)
        {
            if (CheckUpload(t) is { } why) return why;
            if (_fedBuff is not null) return AcceptAsync(t, w, update, envelope, bytes);
            var r = _round!;
            // Recorded first, then folded: the fold cannot fail after the checks above, and the record is what a restart reads.
            _store.AcceptUpdate(t.Id, Id, r.Round, w.Id, update.SampleCount, update.LocalSteps, envelope.Commitment, bytes);
            var watch = Stopwatch.StartNew();
            r.NodeAggregator.Fold(update);
            _metrics.FoldMs.Record(watch.Elapsed.TotalMilliseconds);
            t.State = TaskState.Accepted;
            r.Contributors.Add(w.Id);
            r.Losses.AddRange(envelope.LossTrace.Where(float.IsFinite));
            r.Samples += update.SampleCount;
            count = r.Accepted;
            if (r.Accepted >= r.Target) close = BeginClose(r);
        }
        _metrics.UpdatesAccepted.Add(1);
        if (close) _ = Task.Run(CloseRound);
        Pulse();
        return null;
    }

    public int RoundUpdates { get { lock (_gate) return _fedBuff?.Buffered ?? _round?.Accepted ?? 0; } }

    /// <summary>Whether the worker should keep training this task (false once the round closed without it).</summary>
    public bool StillWanted(string taskId)
    {
        lock (_gate)
        {
            var open = _fedBuff is not null ? _asyncTasks : _round is { Phase: RoundPhase.Collecting } r ? r.Tasks : null;
            return Status == JobStatus.Running && open is not null && open.TryGetValue(taskId, out var t) && t.State == TaskState.Assigned;
        }
    }

    // ---------------------------------------------------------------- closing

    bool BeginClose(RoundState r)
    {
        if (r.Phase != RoundPhase.Collecting) return false;
        r.Phase = RoundPhase.Closing;
        return true;
    }

    void CloseRound()
    {
        RoundState r;
        GlobalModel current;
        lock (_gate)
        {
            if (_round is not { Phase: RoundPhase.Closing } closing) return;
            r = closing;
            current = _model;
        }
        try
        {
            var watch = Stopwatch.StartNew();
            // The job combines one partial per aggregator node; in one process there is exactly one.
            var final = Setup.Strategy.BeginRound(r.Round, current);
            final.Merge(r.NodeAggregator.TakePartial());
            var next = Setup.Strategy.Apply(current, final.Finish());
            double aggregationMs = watch.Elapsed.TotalMilliseconds;
            _metrics.AggregationMs.Record(aggregationMs);

            EvaluationResult? eval = null;
            if (r.Round % Setup.Spec.EvalEvery == 0 || r.Round == Setup.Spec.Rounds) eval = Evaluate(next);
            _blobs.PutCheckpoint(Id, Setup.Template, next);
            bool done = next.Version >= Setup.Spec.Rounds || (eval is not null && Setup.Spec.TargetAccuracy is { } target && eval.Accuracy >= target);
            var row = new RoundRow
            {
                JobId = Id, Round = r.Round, Closed = DateTimeOffset.UtcNow.ToString("O"), Updates = r.Accepted, Samples = r.Samples,
                TrainLoss = r.Losses.Count > 0 ? r.Losses.Average() : null, TestLoss = eval?.Loss, TestAccuracy = eval?.Accuracy,
                AggregationMs = aggregationMs, DurationSeconds = (DateTimeOffset.UtcNow - r.Started).TotalSeconds,
            };
            lock (_gate)
            {
                var status = done ? JobStatus.Completed : Status;
                _store.CompleteRound(row, next.Version, Setup.CreditsPerSample, status.ToString().ToLowerInvariant());
                _model = next;
                _round = null;
                _waitingSince = DateTimeOffset.UtcNow;
                Status = status;
                if (eval is not null) _lastAccuracy = eval.Accuracy;
            }
            _metrics.RoundsCompleted.Add(1);
            _log.LogInformation("job {Job} round {Round} closed: {Updates} updates, {Samples} samples, accuracy {Acc}", Id, r.Round, r.Accepted, r.Samples, eval?.Accuracy);
        }
        catch (Exception e)
        {
            _log.LogError(e, "job {Job} round {Round} failed to close", Id, r.Round);
            lock (_gate) { Status = JobStatus.Failed; Error = e.Message; _round = null; }
            _store.SetJobStatus(Id, "failed", e.Message);
        }
        Pulse();
        _workers.Changes.Pulse();
    }

    EvaluationResult Evaluate(GlobalModel model)
    {
        var test = _data.Mnist(MnistSplit.Test, Setup.Layout);
        if (_options.EvalSamples > 0 && _options.EvalSamples < test.Count) test = test.Select(Enumerable.Range(0, _options.EvalSamples).ToArray());
        _evaluator ??= new Evaluator(Setup.Model, 500);
        return _evaluator.Evaluate(Setup.Template.WithValues(model.Weights), test);
    }

    // ---------------------------------------------------------------- control

    public string? SetStatus(JobStatus target)
    {
        lock (_gate)
        {
            if (Status is JobStatus.Completed or JobStatus.Cancelled or JobStatus.Failed)
                return $"job {Id} is {Status.ToString().ToLowerInvariant()} and cannot change";
            if (target == JobStatus.Running && Status != JobStatus.Paused) return $"job {Id} is not paused";
            if (target == JobStatus.Paused && Status != JobStatus.Running) return $"job {Id} is not running";
            Status = target;
            if (target == JobStatus.Cancelled && _round is { Phase: RoundPhase.Collecting } r)
            {
                _store.AbandonOpenRound(Id, r.Round);
                _round = null;
            }
            if (target == JobStatus.Cancelled && _fedBuff is not null) _store.AbandonOpenRound(Id, (int)_model.Version + 1);
            if (target == JobStatus.Running) _waitingSince = DateTimeOffset.UtcNow;
            _store.SetJobStatus(Id, target.ToString().ToLowerInvariant());
        }
        Pulse();
        _workers.Changes.Pulse();
        return null;
    }

    public JobSnapshot Snapshot(int liveWorkers)
    {
        lock (_gate)
        {
            if (_fedBuff is not null)
                return new JobSnapshot(Id, Name, Status.ToString().ToLowerInvariant(), Setup.Model.Name, Setup.Spec.Strategy.Name, _model.Version,
                    Setup.Spec.Rounds, null, Status == JobStatus.Running ? "async" : null, _fedBuff.Buffered, _fedBuff.BufferSize,
                    _asyncTasks.Values.Count(t => t.State == TaskState.Assigned), liveWorkers, _lastAccuracy, Error, Setup.Artifact.Sha256);
            return new JobSnapshot(Id, Name, Status.ToString().ToLowerInvariant(), Setup.Model.Name, Setup.Spec.Strategy.Name, _model.Version,
                Setup.Spec.Rounds, _round?.Round, _round?.Phase.ToString().ToLowerInvariant() ?? (Status == JobStatus.Running ? "waiting_for_workers" : null),
                _round?.Accepted ?? 0, _round?.Target ?? 0, _round?.Tasks.Count ?? 0, liveWorkers, _lastAccuracy, Error, Setup.Artifact.Sha256);
        }
    }

    /// <summary>After a restart: the last evaluated accuracy, read back from the rounds table.</summary>
    public void RestoreAccuracy(double? accuracy) { lock (_gate) _lastAccuracy = accuracy; }

    void Pulse() => Changes.Pulse();

    public void Dispose() => _evaluator?.Dispose();
}

public sealed record JobSnapshot(string Id, string Name, string Status, string Model, string Strategy, long Version, int Rounds,
    int? Round, string? Phase, int RoundUpdates, int RoundTarget, int RoundTasks, int LiveWorkers, double? LastAccuracy, string? Error, string ArtifactSha256);
