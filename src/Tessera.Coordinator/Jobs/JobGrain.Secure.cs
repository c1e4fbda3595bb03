using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Secure aggregation (privacy.secure_aggregation): the round's cohort masks its updates together in a SecAgg+ round
/// (<see cref="SecureRound"/>, pure, in the federation library), so no update reaches the coordinator in the clear.
/// The grain forwards stage requests and ticks the round; once the sum is unmasked it counts the survivors and
/// closes the round as any other, and a round that cannot be unmasked is re-run.
/// </summary>
public sealed partial class JobGrain
{
    bool Secure => Setup.Spec.Privacy.SecureAggregation is not null;

    public Task<SecAggReply> SecAgg(string taskId, string stage, byte[]? body)
    {
        if (!_allTasks.ContainsKey(taskId)) return Task.FromResult(new SecAggReply(404, Error: $"unknown task {taskId}"));
        if (Buffers is not null) return Task.FromResult(BufferStage(taskId, stage, body));
        if (_round is not { Secure: { } s } r || !r.Tasks.ContainsKey(taskId))
            return Task.FromResult(new SecAggReply(409, Error: $"task {taskId}'s secure round is over (the job is on version {_model.Version})"));
        var reply = s.Handle(taskId, stage, body);
        AdvanceSecure(r, DateTimeOffset.UtcNow);
        return Task.FromResult(SecAggReply.Of(reply));
    }

    /// <summary>Closes a due stage; on the round's end counts its survivors and starts the close, or re-runs it. True when something changed.</summary>
    bool AdvanceSecure(RoundState r, DateTimeOffset now)
    {
        var s = r.Secure!;
        var progress = r.CloseStarted ? SecureProgress.None : s.Advance(now);
        if (progress == SecureProgress.None) return false;
        Pulse();
        if (progress == SecureProgress.Failed)
        {
            metrics.SecureRoundsFailed.Add(1);
            Rerun(r, $"secure aggregation failed: {s.Failure}");
        }
        else if (progress == SecureProgress.Unmasked)
        {
            foreach (var (taskId, upload) in s.Survivors)
            {
                var t = r.Tasks[taskId];
                if (r.Claim(t) is not null) continue;
                // The coordinator learns the survivors' work (it assigned it) and their losses; never their updates.
                if (Count(r, t, new UpdateNotice(t.Id, t.WorkerId, t.Samples, upload.Steps, "", 4L * s.Format.Length, upload.MeanLoss * upload.Steps, upload.Steps, null, _local)))
                    return true;
            }
            BeginClose(r);
        }
        return true;
    }

    /// <summary>A secure round's task is done once it unmasked: it is not handed out again while the round finishes.</summary>
    bool SecureDone(RoundTask t) => _round?.Secure?.Done(t.Id) == true || Buffers?.Done(t.Id) == true;
}
