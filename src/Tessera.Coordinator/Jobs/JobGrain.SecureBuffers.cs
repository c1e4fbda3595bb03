using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Workers;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// FedBuff under secure aggregation: SecAgg+ per buffer of K. Instead of handing out tasks one by one, the grain hands
/// out K at once from the current version (<see cref="SecureBuffers"/>); the K mask their updates together, and the
/// unmasked mean is one server step, weighted by the staleness they share. Several buffers may be in flight at once,
/// up to clients_per_round members in all; a buffer whose round fails, or that is too stale once unmasked, is dropped
/// with its updates and its members get new tasks.
/// </summary>
public sealed partial class JobGrain
{
    SecureBuffers? _buffers;

    /// <summary>A FedBuff job's buffers under secure aggregation; null for every other job.</summary>
    SecureBuffers? Buffers => _async is not null && Secure ? _buffers ??= new SecureBuffers() : null;

    /// <summary>Opens as many buffers of K as the idle workers and the free concurrency (<paramref name="room"/> tasks) allow.</summary>
    bool StartBuffers(DateTimeOffset now, List<WorkerProfile> idle, int room)
    {
        int k = Setup.Spec.Strategy.BufferSize;
        var busy = BusySet();
        // A worker still in an older buffer is not idle for a new one, whatever its node last reported.
        var free = idle.Where(w => !_audits.IsBanned(w.Id) && !busy.Contains(w.Id)
            && !(_lastAsyncVersion.TryGetValue(w.Id, out var v) && v >= _model.Version)).ToList();
        int opened = 0;
        for (; room >= k && free.Count - opened * k >= k; room -= k, opened++)
        {
            var tasks = new Dictionary<string, RoundTask>(StringComparer.Ordinal);
            foreach (var w in free.Skip(opened * k).Take(k))
            {
                _lastAsyncVersion[w.Id] = _model.Version;
                CreateTask(NextStep, 1, _model.Version, now + Deadline, tasks, w);
            }
            foreach (var (id, t) in tasks) _asyncTasks[id] = t;
            var buffer = Buffers!.Start(Setup, Id, _model.Version, tasks.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList(), _model, now);
            log.LogInformation("job {Job}: secure buffer {Buffer} of {K} from version {Version}", Id, buffer.Serial, k, buffer.Version);
        }
        return opened > 0;
    }

    bool AdvanceBuffers(DateTimeOffset now)
    {
        bool changed = false;
        foreach (var b in Buffers!.Open.ToList()) changed |= AdvanceBuffer(b, now);
        return changed;
    }

    SecAggReply BufferStage(string taskId, string stage, byte[]? body)
    {
        if (Buffers!.Of(taskId) is not { } b)
            return new SecAggReply(409, Error: $"task {taskId}'s secure buffer is over (the job is on version {_model.Version})");
        var reply = b.Round.Handle(taskId, stage, body);
        AdvanceBuffer(b, DateTimeOffset.UtcNow);
        return SecAggReply.Of(reply);
    }

    /// <summary>Closes a due stage of the buffer's round; once it is unmasked, applies it. True when something changed.</summary>
    bool AdvanceBuffer(SecureBuffer b, DateTimeOffset now)
    {
        var progress = b.Round.Advance(now);
        if (progress == SecureProgress.None) return false;
        Pulse();
        if (progress == SecureProgress.Failed)
        {
            metrics.SecureRoundsFailed.Add(1);
            EndBuffer(b, $"secure aggregation failed: {b.Round.Failure}");
        }
        else if (progress == SecureProgress.Unmasked) StepBuffer(b);
        return true;
    }

    /// <summary>The buffer's unmasked mean becomes a server step; its survivors are recorded and credited under it.</summary>
    void StepBuffer(SecureBuffer b)
    {
        var survivors = b.Round.Survivors.Select(s => (Task: b.Tasks[s.TaskId], s.Upload)).ToList();
        // fedbuff with privacy.dp is refused at validation: the mean is plain.
        var mean = b.Round.Aggregate(NextStep, survivors.Sum(s => (long)s.Task.Samples), privacy: null, Federation.Privacy.GaussianNoise.Unpredictable(),
            task => (b.Tasks[task].Samples, b.Tasks[task].Steps));
        var members = survivors.Select(s => new NodeAggregators.MaskedMember(s.Task.Id, s.Task.WorkerId, s.Task.Samples,
            Math.Clamp(s.Upload.Steps, 1, Math.Max(1, s.Task.Steps)), 4L * b.Round.Format.Length, s.Upload.MeanLoss)).ToList();
        var (step, refused) = nodes.StepMasked(Id, members, mean, b.Version);
        if (step is null)
        {
            EndBuffer(b, refused);
            return;
        }
        foreach (var (t, _) in survivors) t.State = TaskState.Accepted;
        NoteAccepted();
        metrics.UpdatesAccepted.Add(survivors.Count);
        EndBuffer(b, null);
        RecordStep(step.Value);
        workers.Changes.Pulse();   // its members are idle again: the next tick may open a buffer for them
    }

    /// <summary>The buffer is over: whoever of it did not count is expired, and a buffer that was not applied says why.</summary>
    void EndBuffer(SecureBuffer b, string? notApplied)
    {
        Buffers!.End(b);
        foreach (var t in b.Tasks.Values.Where(t => t.State is TaskState.Assigned or TaskState.Folding)) Expire(t);
        if (notApplied is not null)
            log.LogWarning("job {Job}: secure buffer {Buffer} from version {Version} was dropped: {Why}", Id, b.Serial, b.Version, notApplied);
    }
}
