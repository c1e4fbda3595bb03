using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Tessera.Coordinator.Cluster;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Trust;
using Tessera.Coordinator.Workers;
using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Federation;
using Tessera.Federation.Async;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

public enum JobStatus { Running, Paused, Cancelled, Completed, Failed }

/// <summary>
/// One job's round state machine (the "Job" role of Bonawitz et al.) as an Orleans grain: select → configure →
/// collect → close on quorum or deadline → aggregate → evaluate → checkpoint. Its turn is single-threaded, so
/// every transition is atomic; the slow part of closing (aggregate, evaluate, write) runs off the turn and its
/// result is applied in a later turn. Everything it is told is a small notice (task claimed, update folded and on
/// which node); at close it takes one partial sum from each node that folded (<see cref="INodePartials"/>).
/// Which workers are live and idle it learns from every node's ticks (<see cref="Presence"/>).
/// On activation it rebuilds from SQLite and the checkpoint folder: a round that did not complete is re-run.
/// </summary>
public sealed partial class JobGrain(JobRegistry jobs, NodeAggregators nodes, Store store, BlobStore blobs, WorkerRegistry workers,
    CoordinatorOptions options, CoordinatorMetrics metrics, ILogger<JobGrain> log, INodePartialsClient partials, ILocalSiloDetails silo,
    IClusterMembershipService membership) : Grain, IJobGrain
{
    // Each node's view of live and idle workers, merged; a node that stops ticking drops out after a few seconds.
    readonly Presence _presence = new(TimeSpan.FromSeconds(3));
    SiloAddress _local = null!;
    readonly Dictionary<string, int> _shardOf = new(StringComparer.Ordinal);
    readonly Dictionary<string, RoundTask> _allTasks = new(StringComparer.Ordinal);
    TaskScheduler _turns = TaskScheduler.Default;
    RoundCloser _closer = null!;
    GlobalModel _model = null!;
    RoundState? _round;
    RoundCombiner _combiner = null!;
    DateTimeOffset _waitingSince = DateTimeOffset.UtcNow;
    double? _lastAccuracy;
    StopRule _stop = null!;   // target accuracy and patience, fed each evaluated round on the grain's turn

    string Id { get; set; } = "";
    JobSetup Setup { get; set; } = null!;
    JobStatus Status { get; set; }
    string? Error { get; set; }
    string Name => Setup.Spec.Name;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _turns = TaskScheduler.Current;
        _local = silo.SiloAddress;
        Id = this.GetPrimaryKeyString();
        var row = store.Jobs().FirstOrDefault(j => j.Id == Id) ?? throw new InvalidOperationException($"no job {Id}");
        Setup = jobs.SetupOf(Id);
        Status = Enum.Parse<JobStatus>(row.Status, ignoreCase: true);
        Error = row.Error;
        _model = blobs.LoadCheckpoint(Id, row.Version, Setup.Template);
        nodes.Drop(Id);
        _combiner = new RoundCombiner(Id, Setup, blobs);
        _closer = new RoundCloser(Id, Setup, blobs, _combiner, metrics, options.EvalSamples);
        if (Status is JobStatus.Running or JobStatus.Paused)
        {
            // Whatever round was open before this activation lived only in memory: it is re-run from its start.
            var (tasks, updates) = store.AbandonOpenRound(Id, (int)row.Version + 1);
            _combiner.Abandoned((int)row.Version + 1);
            if (tasks + updates > 0)
                log.LogWarning("job {Job}: round {Round} was interrupted by a restart; re-running it ({Tasks} tasks abandoned, {Updates} uncounted updates dropped)",
                    Id, row.Version + 1, tasks, updates);
        }
        var closed = store.Rounds(Id).Where(r => r.Status == "closed" && r.TestAccuracy is not null).ToList();
        _lastAccuracy = closed.LastOrDefault()?.TestAccuracy;
        _stop = new StopRule(Setup.Spec.TargetAccuracy, Setup.Spec.Patience);
        foreach (var r in closed) _stop.Observe(r.Round, r.TestAccuracy!.Value);
        _audits = new AuditStage(Id, Setup, store, log);
        if (Setup.Spec.Strategy.Name == "fedbuff")
            _async = nodes.OpenAsync(Id, new FedBuffAggregator(Setup.Strategy, _model, Setup.Spec.Strategy.BufferSize, maxStaleness: Setup.Spec.Strategy.MaxStaleness), Setup.Spec.Rounds);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _closer?.Dispose();
        nodes.Drop(Id);
        return Task.CompletedTask;
    }

    public Task<long> Version() => Task.FromResult(_model.Version);

    TimeSpan Deadline => Setup.Spec.DeadlineSeconds is { } s ? TimeSpan.FromSeconds(s) : options.DefaultDeadline;

    // ---------------------------------------------------------------- selection and configuration

    /// <summary>Periodic step: start a round when enough workers wait, expire dropped tasks, close on deadline.</summary>
    public async Task<string[]> Tick(NodeView view)
    {
        _presence.Report(view);
        if (Status != JobStatus.Running) return [];
        // FedBuff's buffer lives at the grain's node, so its tasks go to workers connected there (DECISIONS.md).
        var idle = _async is not null ? _presence.Idle(_local) : _presence.Idle();
        var before = BusySet();
        _assigned.Clear();
        bool changed = false;
        var now = DateTimeOffset.UtcNow;
        if (_async is not null) changed = TickAsync(now, idle);
        else if (_round is { CloseStarted: false } lostRound && LostNode(lostRound) is { } lost)
        {
            Rerun(lostRound, $"node {lost} left the cluster holding updates of this round that cannot be merged now");
            changed = true;
        }
        else if (_round is null) changed = TryStartRound(now, idle);
        else if (_round is { Secure: not null, Phase: RoundPhase.Collecting } secure) changed = AdvanceSecure(secure, now);
        else if (_round.Phase == RoundPhase.Collecting)
        {
            var r = _round;
            var step = r.Collect(now, _presence.IsLive, Candidates(idle, r).Count, Setup.Spec.MinClients);
            foreach (var t in step.Expire) Expire(t);
            if (step.Invite > 0) Invite(r, step.Invite, idle);
            if (step.Close) BeginClose(r);
            else if (step.ExtendDeadline) r.Deadline = now + Deadline;   // too few results: keep the round open for replacements rather than fail it
            changed |= step.Expire.Count > 0 || step.Invite > 0 || step.ExtendDeadline;
        }
        changed |= PauseIfEveryWorkerDeclined();
        if (changed)
        {
            Pulse();
            workers.Changes.Pulse(); // wakes long-polls: a task may be waiting for one of them
        }
        // Each worker's grain learns which job handed it a task (a small notice; worker grains never call jobs).
        await Task.WhenAll(_assigned.ToList().Select(a => GrainFactory.GetGrain<IWorkerGrain>(a.Worker).Assign(Id, a.Task)));
        return BusySet().Except(before).ToArray();
    }

    readonly List<(string Worker, string Task)> _assigned = [];

    bool TryStartRound(DateTimeOffset now, List<WorkerProfile> idle)
    {
        var spec = Setup.Spec;
        if (_model.Version >= spec.Rounds) return false;
        var candidates = Candidates(idle, exclude: null);
        if (!RoundStart.Ready(candidates.Count, spec.ClientsPerRound, spec.MinClients, now - _waitingSince >= options.SelectionWindow)) return false;

        int round = (int)_model.Version + 1;
        var plan = Setup.Strategy.ConfigureRound(round, _model, candidates.Select(c => c.Id).ToList());
        int attempt = store.StartRound(Id, round, _model.Version);
        var r = new RoundState
        {
            Round = round, Attempt = attempt, Version = _model.Version, Target = plan.TargetResults, Invited = plan.Clients.Count,
            Started = now, Deadline = now + Deadline,
        };
        _round = r;
        var chosen = plan.Clients.Select(c => c.ClientId).ToHashSet();
        foreach (var w in candidates.Where(c => chosen.Contains(c.Id))) CreateTask(r.Round, r.Attempt, r.Version, r.Deadline, r.Tasks, w);
        if (Secure) r.Secure = SecureRoundPlan.Open(Setup, Id, r, _model, now);
        log.LogInformation("job {Job} round {Round} (attempt {Attempt}): invited {Invited} of {Available} workers, quorum {Target}",
            Id, round, attempt, r.Invited, candidates.Count, r.Target);
        return true;
    }

    int Invite(RoundState r, int count, List<WorkerProfile> idle)
    {
        var pool = Candidates(idle, exclude: r);
        foreach (var w in pool.Take(count)) CreateTask(r.Round, r.Attempt, r.Version, r.Deadline, r.Tasks, w);
        return Math.Min(count, pool.Count);
    }

    List<WorkerProfile> Candidates(List<WorkerProfile> idle, RoundState? exclude) =>
        idle.Where(w => !_audits.IsBanned(w.Id) && exclude?.CanInvite(w.Id) != false).OrderBy(w => w.Id, StringComparer.Ordinal).ToList();

    void CreateTask(int round, int attempt, long version, DateTimeOffset deadline, Dictionary<string, RoundTask> into, WorkerProfile w)
    {
        var spec = Setup.Spec;
        string? local = Setup.Verifiable ? null : w.Datasets.FirstOrDefault(d => d.Name == spec.Data.Dataset && d.Samples > 0)?.Name;
        int? shard = null;
        int samples;
        if (local is not null) samples = w.Datasets.First(d => d.Name == local).Samples;
        else
        {
            if (!_shardOf.TryGetValue(w.Id, out var s)) _shardOf[w.Id] = s = _shardOf.Count % Setup.Shards.Length;
            shard = s;
            samples = Setup.Shards[s].Length;
        }
        int steps = TaskSize.Steps(spec.Local, samples, w.SpeedFor(Setup.Artifact.Manifest.FlopsPerSample), Deadline);
        var task = new RoundTask
        {
            Id = RoundTask.NewId(), WorkerId = w.Id, Round = round, Version = version,
            Steps = steps, Shard = shard, LocalData = local, Samples = samples, Deadline = deadline,
        };
        store.InsertTask(task.Id, Id, round, attempt, w.Id, steps, deadline);
        into[task.Id] = task;
        _allTasks[task.Id] = task;
        _assigned.Add((w.Id, task.Id));
        metrics.TasksAssigned.Add(1);
    }

    void Expire(RoundTask t)
    {
        t.State = TaskState.Expired;
        store.SetTaskStatus(t.Id, "expired");
        metrics.TasksExpired.Add(1);
        VerificationLost(t);
    }

    Dictionary<string, RoundTask>? OpenTasks => _async is not null ? _asyncTasks : _round?.Tasks;

    HashSet<string> BusySet() =>
        OpenTasks is { } open ? open.Values.Where(t => t.State is TaskState.Assigned or TaskState.Folding).Select(t => t.WorkerId).ToHashSet(StringComparer.Ordinal) : [];

    public Task<string[]> BusyWorkers() => Task.FromResult(BusySet().ToArray());

    /// <summary>The task this worker should run now, if the current round has one open for it.</summary>
    public Task<TaskInfo?> PendingTask(string workerId, SiloAddress node)
    {
        if (Status != JobStatus.Running || (_async is not null && !node.Equals(_local))) return Task.FromResult<TaskInfo?>(null);
        // A closing round hands out only re-runs of the updates it still holds (replay: workers): the close waits on them.
        var t = OpenTasks?.Values.FirstOrDefault(t => t.WorkerId == workerId && t.State == TaskState.Assigned && _round?.Wants(t) != false && !SecureDone(t));
        return Task.FromResult(t?.Info);
    }

    // ---------------------------------------------------------------- collection

    public Task<TaskInfo?> FindTask(string taskId) => Task.FromResult(_allTasks.GetValueOrDefault(taskId)?.Info);

    public Task<string?> CheckUpload(string taskId) =>
        Task.FromResult(_allTasks.TryGetValue(taskId, out var t) ? Check(t) : $"unknown task {taskId}");

    string? Check(RoundTask t)
    {
        if (TaskRefusals.WhyNoUpload(t) is { } state) return state;
        if (t.State == TaskState.Rejected || _audits.IsBanned(t.WorkerId)) return AuditStage.Banned(t.WorkerId);
        if (Status is JobStatus.Cancelled or JobStatus.Completed or JobStatus.Failed) return $"job {Id} is {Status.ToString().ToLowerInvariant()}";
        if (_async is not null) return CheckAsyncUpload(t);
        if (_round is null || _round.Round != t.Round || !_round.Tasks.ContainsKey(t.Id))
            return $"task {t.Id} belongs to round {t.Round}, which is closed (the job is on version {_model.Version})";
        if (_round.Check(t) is { } why) return why;
        if (_round.Secure is not null) return $"task {t.Id} is in a secure round: its update goes to the round's stages (secure_aggregation.stage_url), never in the clear";
        if (t.Verifies is { } original && (original.State != TaskState.Folding || original.Votes is null))
            return $"task {t.Id} re-ran task {original.Id}, which is decided already";
        return null;
    }

    public Task<UploadTicket> Reserve(string taskId, SiloAddress node)
    {
        if (!_allTasks.TryGetValue(taskId, out var t)) return Task.FromResult(new UploadTicket($"unknown task {taskId}", 0, 0, false));
        if (Check(t) is { } why) return Task.FromResult(new UploadTicket(why, 0, 0, false));
        if (_async is not null)
        {
            if (!node.Equals(_local))
                return Task.FromResult(new UploadTicket($"task {t.Id} belongs to an asynchronous job whose buffer is on another coordinator node; upload to the node that handed out the task", 0, 0, false));
            t.State = TaskState.Folding;
            t.Node = node;
            return Task.FromResult(new UploadTicket(null, t.Round, 1, true, _audits.Draw(t)));
        }
        var r = _round!;
        // A verifier's re-run is claimed for its vote only; the update it checks holds the round's claim.
        if (r.Claim(t) is { } refused) return Task.FromResult(new UploadTicket(refused, 0, 0, false));
        if (t.Verifies is not null) return Task.FromResult(new UploadTicket(null, r.Round, r.Attempt, false));
        t.Node = node;
        bool audit = _audits.Draw(t);
        bool held = audit && Setup.Spec.Verification.Replay == Protocol.Jobs.VerificationSpec.Workers && HoldForVerifiers(t, r);
        return Task.FromResult(new UploadTicket(null, r.Round, r.Attempt, false, audit && !held, held));
    }

    public Task Release(string taskId)
    {
        if (!_allTasks.TryGetValue(taskId, out var t) || t.State != TaskState.Folding) return Task.CompletedTask;
        if (_async is null && _round is { } r && r.Tasks.ContainsKey(taskId)) { if (r.Release(t)) StartClose(r); }
        else t.State = TaskState.Assigned;
        return Task.CompletedTask;
    }

    /// <summary>Records a folded update and counts it; closes the round when the quorum is reached.</summary>
    public Task<FoldResult> Folded(UpdateNotice n)
    {
        if (!_allTasks.TryGetValue(n.TaskId, out var t) || t.State != TaskState.Folding)
            return Task.FromResult(new FoldResult($"task {n.TaskId} was not claimed for upload", RoundUpdates));
        _audits.Counted(t, n.Audit);
        if (_async is not null)
        {
            NoteAccepted();
            t.State = TaskState.Accepted;
            metrics.UpdatesAccepted.Add(1);
            return Task.FromResult(FoldedAsync(n));
        }
        if (_round is not { } r || !r.Tasks.ContainsKey(t.Id))
            return Task.FromResult(new FoldResult($"task {t.Id} belongs to round {t.Round}, which was abandoned while the update was folded", RoundUpdates));
        t.Node = n.Node;
        Count(r, t, n);
        Pulse();
        return Task.FromResult(new FoldResult(null, r.Accepted));
    }

    /// <summary>Records a claimed update of the round as accepted and counts it; true when that started the close.</summary>
    bool Count(RoundState r, RoundTask t, UpdateNotice n)
    {
        NoteAccepted();
        metrics.UpdatesAccepted.Add(1);
        store.AcceptUpdate(t.Id, Id, r.Round, n.WorkerId, n.SampleCount, n.Steps, n.Commitment, n.Bytes);
        if (!r.Count(t, n)) return false;
        StartClose(r);
        return true;
    }

    int RoundUpdates => _async?.Buffered ?? _round?.Accepted ?? 0;

    /// <summary>Whether the worker should keep training this task (false once the round closed without it).</summary>
    public Task<bool> StillWanted(string taskId) =>
        Task.FromResult(Status == JobStatus.Running && OpenTasks?.GetValueOrDefault(taskId) is { State: TaskState.Assigned or TaskState.Folding } t && _round?.Wants(t) != false);

    public Task<string?> Decline(string taskId, string reason)
    {
        if (!_allTasks.TryGetValue(taskId, out var t)) return Task.FromResult<string?>($"unknown task {taskId}");
        if (t.State == TaskState.Declined) return Task.FromResult<string?>(null); // a retried request: harmless
        if (TaskRefusals.WhyNoDecline(t) is { } why) return Task.FromResult<string?>(why);
        t.State = TaskState.Declined;
        VerificationLost(t);
        NoteDeclined(t, reason);
        store.SetTaskStatus(t.Id, "declined");
        metrics.TasksDeclined.Add(1);
        log.LogWarning("job {Job}: worker {Worker} declined task {Task} of round {Round}: {Reason}", Id, t.WorkerId, t.Id, t.Round, reason);
        Pulse();
        workers.Changes.Pulse(); // the next tick invites a replacement
        return Task.FromResult<string?>(null);
    }

    // ---------------------------------------------------------------- closing

    /// <summary>Stops collection; the close itself starts once no claimed upload is still being folded.</summary>
    void BeginClose(RoundState r)
    {
        if (r.BeginClose()) StartClose(r);
    }

    /// <summary>Aggregates, evaluates and checkpoints off the grain's turn (once: the lifecycle says when); the outcome is applied in a later turn.</summary>
    void StartClose(RoundState r)
    {
        var current = _model;
        var folded = FoldingNodes(r, TaskState.Accepted);
        _ = Task.Run(async () => _closer.Close(r, current, _combiner.NeedsPartials ? await GatherPartials(r, folded) : null)).ContinueWith(done => ApplyClose(r, done), _turns);
    }

    void ApplyClose(RoundState r, Task<ClosedRound> outcome)
    {
        if (!ReferenceEquals(_round, r)) return; // cancelled while closing
        try
        {
            var (next, row, eval, last) = outcome.GetAwaiter().GetResult();
            bool done = Stops(r.Round, eval?.Accuracy) || last;
            var status = done ? JobStatus.Completed : Status;
            store.CompleteRound(row, next.Version, Setup.Credit, status.ToString().ToLowerInvariant());
            _combiner.Closed(r);
            _model = next;
            _round = null;
            _waitingSince = DateTimeOffset.UtcNow;
            Status = status;
            if (eval is not null) _lastAccuracy = eval.Accuracy;
            metrics.RoundsCompleted.Add(1);
            if (!done) jobs.TickSoon();   // the next round can start now, not at the next tick
            log.LogInformation("job {Job} round {Round} closed: {Updates} updates, {Samples} samples, accuracy {Acc}", Id, r.Round, r.Accepted, r.Samples, eval?.Accuracy);
        }
        catch (PartialLostException e)
        {
            Rerun(r, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "job {Job} round {Round} failed to close", Id, r.Round);
            Status = JobStatus.Failed;
            Error = e.Message;
            _round = null;
            store.SetJobStatus(Id, "failed", e.Message);
        }
        Pulse();
        workers.Changes.Pulse();
    }

    /// <summary>Feeds an evaluated round to the stop rule (target accuracy, patience); true when the job ends with it.</summary>
    bool Stops(int round, double? accuracy)
    {
        if (accuracy is not { } a || !_stop.Observe(round, a)) return false;
        log.LogInformation("job {Job} stops at round {Round}: {Why}", Id, round, _stop.Reason);
        return true;
    }

    // ---------------------------------------------------------------- control

    public Task<string?> SetStatus(JobStatus target)
    {
        if (Status is JobStatus.Completed or JobStatus.Cancelled or JobStatus.Failed)
            return Task.FromResult<string?>($"job {Id} is {Status.ToString().ToLowerInvariant()} and cannot change");
        if (target == JobStatus.Running && Status != JobStatus.Paused) return Task.FromResult<string?>($"job {Id} is not paused");
        if (target == JobStatus.Paused && Status != JobStatus.Running) return Task.FromResult<string?>($"job {Id} is not running");
        Status = target;
        if (target == JobStatus.Cancelled && _round is { Phase: RoundPhase.Collecting } r)
        {
            store.AbandonOpenRound(Id, r.Round);
            Discard(r);
            _round = null;
        }
        if (target == JobStatus.Cancelled && _async is not null) store.AbandonOpenRound(Id, (int)_model.Version + 1);
        if (target == JobStatus.Running)
        {
            _waitingSince = DateTimeOffset.UtcNow;
            if (Error is not null) { Error = null; store.ClearJobError(Id); }   // the reason it paused for is the operator's to fix
        }
        store.SetJobStatus(Id, target.ToString().ToLowerInvariant());
        Pulse();
        workers.Changes.Pulse();
        return Task.FromResult<string?>(null);
    }

    public Task<JobSnapshot> Snapshot()
    {
        bool running = Status == JobStatus.Running, async = _async is not null;
        string? phase = async ? (running ? "async" : null) : _round?.Phase.ToString().ToLowerInvariant() ?? (running ? "waiting_for_workers" : null);
        int tasks = async ? _asyncTasks.Values.Count(t => t.State is TaskState.Assigned or TaskState.Folding) : _round?.Tasks.Count ?? 0;
        return Task.FromResult(new JobSnapshot(Id, Name, Status.ToString().ToLowerInvariant(), Setup.Model.Name, Setup.Spec.Strategy.Name, _model.Version,
            Setup.Spec.Rounds, _round?.Round, phase, RoundUpdates, _async?.BufferSize ?? _round?.Target ?? 0, tasks, _presence.LiveCount, _lastAccuracy, Error,
            Setup.Artifact.Sha256, _local.ToParsableString(), _lastDeclined, StoppedEarly, Privacy: async ? null : PrivacyView.Of(Setup, _model)));
    }

    string? StoppedEarly => Status == JobStatus.Completed && _model.Version < Setup.Spec.Rounds
        ? _stop.Reason ?? Setup.Plan.Privacy?.StopReason(_model, Setup.Spec.Rounds) : null;

    void Pulse() => jobs.Changes(Id).Pulse();
}
