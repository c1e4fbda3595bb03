using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Workers;
using Tessera.Federation.Async;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// FedBuff under secure aggregation: SecAgg+ per buffer of K (<see cref="SecureBufferStage"/>, pure, in the federation
/// library). The grain hands out a buffer's K tasks together from the current version, forwards stage requests, and
/// records each unmasked buffer as a server step (<see cref="NodeAggregators.StepMasked"/>); a buffer that failed, or
/// is too stale once unmasked, is dropped and its members get new tasks.
/// </summary>
public sealed partial class JobGrain
{
    SecureBufferStage? _buffers;

    /// <summary>A FedBuff job's buffers under secure aggregation; null for every other job.</summary>
    SecureBufferStage? Buffers => _async is not null && Secure ? _buffers ??= new SecureBufferStage(Setup.Spec.Strategy.BufferSize) : null;

    /// <summary>Opens as many buffers as the idle workers and the free concurrency (<paramref name="room"/> tasks) allow.</summary>
    bool StartBuffers(DateTimeOffset now, List<WorkerProfile> idle, int room)
    {
        var busy = BusySet();
        // A worker still in an older buffer is not idle for a new one, whatever its node last reported.
        var free = idle.Where(w => !_audits.IsBanned(w.Id) && !busy.Contains(w.Id)
            && !(_lastAsyncVersion.TryGetValue(w.Id, out var v) && v >= _model.Version)).ToList();
        bool opened = false;
        foreach (var group in Buffers!.Groups(free, room))
        {
            var tasks = new Dictionary<string, RoundTask>(StringComparer.Ordinal);
            foreach (var w in group)
            {
                _lastAsyncVersion[w.Id] = _model.Version;
                CreateTask(NextStep, 1, _model.Version, now + Deadline, tasks, w);
            }
            foreach (var (id, t) in tasks) _asyncTasks[id] = t;
            var ordered = tasks.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
            var b = Buffers.Start(_model.Version, ordered.Select(t => t.Id).ToList(), serial => SecureRoundPlan.OpenBuffer(Setup, Id, serial, ordered, _model, now),
                id => (tasks[id].Samples, tasks[id].Steps));
            log.LogInformation("job {Job}: secure buffer {Buffer} of {K} from version {Version}", Id, b.Serial, ordered.Count, b.Version);
            opened = true;
        }
        return opened;
    }

    bool AdvanceBuffers(DateTimeOffset now)
    {
        var (changed, ended) = Buffers!.Advance(now);
        foreach (var e in ended) EndBuffer(e);
        if (changed) Pulse();
        return changed;
    }

    SecAggReply BufferStage(string taskId, string stage, byte[]? body)
    {
        var (reply, changed, ended) = Buffers!.Handle(taskId, stage, body, DateTimeOffset.UtcNow);
        if (ended is not null) EndBuffer(ended);
        if (changed) Pulse();
        return SecAggReply.Of(reply);
    }

    /// <summary>An unmasked buffer becomes a server step, its survivors credited under it; whoever else was in it is expired.</summary>
    void EndBuffer(SecureBufferStage.Ended e)
    {
        string? dropped = e.Failure;
        if (e.Failure is not null) metrics.SecureRoundsFailed.Add(1);
        else
        {
            var survivors = e.Survivors.Select(s => (Task: _allTasks[s.TaskId], s.Upload)).ToList();
            var members = survivors.Select(s => new NodeAggregators.MaskedMember(s.Task.Id, s.Task.WorkerId, s.Task.Samples, s.Upload.Steps,
                4L * e.Buffer.Round.Format.Length, s.Upload.MeanLoss)).ToList();
            var (step, refused) = nodes.StepMasked(Id, members, e.Mean!, e.Buffer.Version);
            dropped = refused;
            if (step is { } taken)
            {
                foreach (var (t, _) in survivors) t.State = TaskState.Accepted;
                NoteAccepted();
                metrics.UpdatesAccepted.Add(survivors.Count);
                RecordStep(taken);
                workers.Changes.Pulse();   // its members are idle again: the next tick may open a buffer for them
            }
        }
        foreach (var t in e.Buffer.Tasks.Select(id => _allTasks[id]).Where(t => t.State is TaskState.Assigned or TaskState.Folding)) Expire(t);
        if (dropped is not null)
            log.LogWarning("job {Job}: secure buffer {Buffer} from version {Version} was dropped: {Why}", Id, e.Buffer.Serial, e.Buffer.Version, dropped);
    }
}
