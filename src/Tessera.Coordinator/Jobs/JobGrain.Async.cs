using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Workers;
using Tessera.Federation;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Asynchronous jobs (FedBuff): no rounds to wait for. Every idle eligible worker gets a task from the latest
/// checkpointed version; each upload is recorded and folded at once, with staleness weighting, by the node's
/// buffer (<see cref="NodeAggregators.FoldAsync"/>); every buffer_size uploads the server steps, and that step is
/// recorded like a round (rounds row, checkpoint, ledger) so restarts, metrics and credits work the same way.
/// A step that was not recorded before a crash is simply lost with its buffer.
/// </summary>
public sealed partial class JobGrain
{
    NodeAggregators.AsyncBuffer? _async;
    readonly Dictionary<string, RoundTask> _asyncTasks = new(StringComparer.Ordinal);
    // FedBuff takes one update per worker per base version, so a worker gets one task per version.
    readonly Dictionary<string, long> _lastAsyncVersion = new(StringComparer.Ordinal);
    Task _closeChain = Task.CompletedTask;

    /// <summary>Step label an update accepted now will be credited under: the version its buffer will produce.</summary>
    int NextStep => (int)_async!.Version + 1;

    bool TickAsync(DateTimeOffset now, List<WorkerProfile> idle)
    {
        bool changed = false;
        // A secure buffer's members drop out by its stages' clocks; the buffer expires whoever did not survive it.
        foreach (var t in _asyncTasks.Values.Where(t => t.State == TaskState.Assigned && t.Secure is null).ToList())
        {
            if (!_presence.IsLive(t.WorkerId) || now > t.Deadline) { Expire(t); changed = true; }
        }
        // Finished and no longer worth tracking: keeps the dictionary O(open tasks).
        foreach (var old in _asyncTasks.Values.Where(t => t.State is TaskState.Accepted or TaskState.Expired or TaskState.Declined && t.Version < _model.Version - 1).Select(t => t.Id).ToList())
            _asyncTasks.Remove(old);
        if (Buffers is not null) changed |= AdvanceBuffers(now);
        if (_model.Version >= Setup.Spec.Rounds) return changed;
        int limit = Setup.Spec.ClientsPerRound ?? int.MaxValue;
        int open = _asyncTasks.Values.Count(t => t.State is TaskState.Assigned or TaskState.Folding);
        if (Buffers is not null) return StartBuffers(now, idle, limit - open) | changed;
        foreach (var w in idle.Where(w => !_audits.IsBanned(w.Id)))
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
        long current = _async!.Version;
        if (current >= Setup.Spec.Rounds) return $"job {Id} has taken its last server step ({Setup.Spec.Rounds})";
        long staleness = current - t.Version;
        if (Setup.Spec.Strategy.MaxStaleness is { } max && staleness > max)
            return $"task {t.Id} trained from version {t.Version}, {staleness} versions behind (max_staleness {max})";
        if (t.Secure is not null) return $"task {t.Id} is in a secure buffer: its update goes to the buffer's stages (secure_aggregation.stage_url), never in the clear";
        return null;
    }

    FoldResult FoldedAsync(UpdateNotice n)
    {
        if (n.SteppedTo is { } step) RecordStep(step);
        Pulse();
        return new FoldResult(null, RoundUpdates);
    }

    /// <summary>Records a server step the node's buffer took: steps are recorded strictly in order, off the turn (evaluation and the checkpoint write take time).</summary>
    void RecordStep(int step)
    {
        if (nodes.TakeStep(Id, step) is not { } taken) return;
        _closeChain = _closeChain
            .ContinueWith(_ => _closer.Step(taken.Model, taken.Row), TaskScheduler.Default)
            .ContinueWith(prepared => ApplyStep(taken.Model, prepared), _turns);
    }

    void ApplyStep(GlobalModel model, Task<ClosedRound> prepared)
    {
        try
        {
            var (_, row, eval, last) = prepared.GetAwaiter().GetResult();
            bool done = Stops(row.Round, eval?.Accuracy) || last;
            var status = done ? JobStatus.Completed : Status;
            store.StartRound(Id, row.Round, model.Version - 1);
            store.CompleteRound(row, model.Version, Setup.Credit, status.ToString().ToLowerInvariant());
            _model = model;
            Status = status;
            if (eval is not null) _lastAccuracy = eval.Accuracy;
            metrics.RoundsCompleted.Add(1);
        }
        catch (Exception e)
        {
            Status = JobStatus.Failed;
            Error = e.Message;
            store.SetJobStatus(Id, "failed", e.Message);
        }
        Pulse();
        workers.Changes.Pulse();
    }
}
