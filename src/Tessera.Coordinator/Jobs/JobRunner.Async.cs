using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Workers;
using Tessera.Federation;
using Tessera.Federation.Async;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Asynchronous jobs (FedBuff): no rounds to wait for. Every idle eligible worker gets a task from the latest
/// checkpointed version; each upload is folded at once with staleness weighting; every buffer_size uploads the
/// server steps, and that step is recorded like a round (rounds row, checkpoint, ledger) so restarts, metrics
/// and credits work the same way. A step that was not recorded before a crash is simply lost with its buffer.
/// </summary>
public sealed partial class JobRunner
{
    readonly FedBuffAggregator? _fedBuff;
    readonly Dictionary<string, RoundTask> _asyncTasks = new(StringComparer.Ordinal);
    // FedBuff takes one update per worker per base version, so a worker gets one task per version.
    readonly Dictionary<string, long> _lastAsyncVersion = new(StringComparer.Ordinal);
    readonly List<float> _stepLosses = [];
    long _stepSamples;
    int _stepUpdates;
    DateTimeOffset _stepStarted = DateTimeOffset.UtcNow;
    Task _closeChain = Task.CompletedTask;

    /// <summary>Step label an update accepted now will be credited under: the version its buffer will produce.</summary>
    int NextStep => (int)_fedBuff!.Current.Version + 1;

    bool TickAsync(DateTimeOffset now, List<WorkerSession> idle)
    {
        bool changed = false;
        foreach (var t in _asyncTasks.Values.Where(t => t.State == TaskState.Assigned).ToList())
        {
            var w = _workers.Get(t.WorkerId);
            if (w is null || !w.IsLive(_options.WorkerTimeout) || now > t.Deadline) { Expire(t); changed = true; }
        }
        // Finished and no longer worth tracking: keeps the dictionary O(open tasks).
        foreach (var old in _asyncTasks.Values.Where(t => t.State != TaskState.Assigned && t.Version < _model.Version - 1).Select(t => t.Id).ToList())
            _asyncTasks.Remove(old);
        if (_model.Version >= Setup.Spec.Rounds) return changed;
        int limit = Setup.Spec.ClientsPerRound ?? int.MaxValue;
        int open = _asyncTasks.Values.Count(t => t.State == TaskState.Assigned);
        foreach (var w in idle)
        {
            if (open >= limit) break;
            if (_lastAsyncVersion.TryGetValue(w.Id, out var v) && v >= _model.Version) continue;
            _lastAsyncVersion[w.Id] = _model.Version;
            CreateTask(NextStep, 1, _model.Version, now + Deadline, _asyncTasks, w);
            open++;
            changed = true;
        }
        return changed;
    }

    string? CheckAsyncUpload(RoundTask t)
    {
        if (!_asyncTasks.ContainsKey(t.Id) || t.State == TaskState.Expired)
            return $"task {t.Id} expired (deadline or missed heartbeats); the job went on without it";
        if (_fedBuff!.Current.Version >= Setup.Spec.Rounds) return $"job {Id} has taken its last server step ({Setup.Spec.Rounds})";
        long staleness = _fedBuff.Current.Version - t.Version;
        if (Setup.Spec.Strategy.MaxStaleness is { } max && staleness > max)
            return $"task {t.Id} trained from version {t.Version}, {staleness} versions behind (max_staleness {max})";
        return null;
    }

    string? AcceptAsync(RoundTask t, WorkerSession w, ClientUpdate update, UpdateEnvelope envelope, long bytes)
    {
        _store.AcceptUpdate(t.Id, Id, NextStep, w.Id, update.SampleCount, update.LocalSteps, envelope.Commitment, bytes);
        t.State = TaskState.Accepted;
        _stepLosses.AddRange(envelope.LossTrace.Where(float.IsFinite));
        _stepSamples += update.SampleCount;
        _stepUpdates++;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        bool stepped = _fedBuff!.Fold(update);
        _metrics.FoldMs.Record(watch.Elapsed.TotalMilliseconds);
        _metrics.UpdatesAccepted.Add(1);
        if (stepped)
        {
            var model = _fedBuff.Current;
            var row = new RoundRow
            {
                JobId = Id, Round = (int)model.Version, Updates = _stepUpdates, Samples = _stepSamples,
                TrainLoss = _stepLosses.Count > 0 ? _stepLosses.Average() : null, AggregationMs = watch.Elapsed.TotalMilliseconds,
                DurationSeconds = (DateTimeOffset.UtcNow - _stepStarted).TotalSeconds,
            };
            _stepLosses.Clear();
            _stepSamples = 0;
            _stepUpdates = 0;
            _stepStarted = DateTimeOffset.UtcNow;
            // Steps are recorded strictly in order, off the lock (evaluation and the checkpoint write take time).
            _closeChain = _closeChain.ContinueWith(_ => RecordStep(model, row), TaskScheduler.Default);
        }
        Pulse();
        return null;
    }

    void RecordStep(GlobalModel model, RoundRow row)
    {
        try
        {
            Runtime.EvaluationResult? eval = null;
            if (row.Round % Setup.Spec.EvalEvery == 0 || row.Round == Setup.Spec.Rounds) eval = Evaluate(model);
            _blobs.PutCheckpoint(Id, Setup.Template, model);
            row.TestAccuracy = eval?.Accuracy;
            row.TestLoss = eval?.Loss;
            row.Closed = DateTimeOffset.UtcNow.ToString("O");
            bool done = model.Version >= Setup.Spec.Rounds || (eval is not null && Setup.Spec.TargetAccuracy is { } target && eval.Accuracy >= target);
            lock (_gate)
            {
                var status = done ? JobStatus.Completed : Status;
                _store.StartRound(Id, row.Round, model.Version - 1);
                _store.CompleteRound(row, model.Version, Setup.CreditsPerSample, status.ToString().ToLowerInvariant());
                _model = model;
                Status = status;
                if (eval is not null) _lastAccuracy = eval.Accuracy;
            }
            _metrics.RoundsCompleted.Add(1);
        }
        catch (Exception e)
        {
            lock (_gate) { Status = JobStatus.Failed; Error = e.Message; }
            _store.SetJobStatus(Id, "failed", e.Message);
        }
        Pulse();
        _workers.Changes.Pulse();
    }
}
