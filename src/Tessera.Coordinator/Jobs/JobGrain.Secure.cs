using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Secure aggregation (privacy.secure_aggregation): the round's cohort masks its updates together in a SecAgg+ round
/// (<see cref="SecureRound"/>), so no update reaches the coordinator in the clear. The grain numbers the cohort,
/// forwards stage requests, closes stages on its ticks, and once the sum is unmasked counts the survivors and closes
/// the round as any other; a round that cannot be unmasked is re-run.
/// </summary>
public sealed partial class JobGrain
{
    bool Secure => Setup.Spec.Privacy.SecureAggregation is not null;

    public Task<SecAggReply> SecAgg(string taskId, string stage, byte[]? body)
    {
        if (!_allTasks.ContainsKey(taskId)) return Task.FromResult(SecAggReply.Refused($"unknown task {taskId}", 404));
        if (_round is not { Secure: { } s } r || !r.Tasks.ContainsKey(taskId))
            return Task.FromResult(SecAggReply.Refused($"task {taskId}'s secure round is over (the job is on version {_model.Version})", 409));
        var reply = s.Handle(taskId, stage, body);
        AdvanceSecure(r, DateTimeOffset.UtcNow);
        return Task.FromResult(reply);
    }

    /// <summary>Closes a due stage; on the round's end counts its survivors and starts the close, or re-runs it. True when something changed.</summary>
    bool AdvanceSecure(RoundState r, DateTimeOffset now)
    {
        var s = r.Secure!;
        if (r.CloseStarted || !s.Advance(now)) return false;
        Pulse();
        if (s.Failure is { } why)
        {
            metrics.SecureRoundsFailed.Add(1);
            Rerun(r, $"secure aggregation failed: {why}");
            return true;
        }
        if (s.Result is null) return true;
        foreach (var (taskId, upload) in s.Survivors)
        {
            var t = r.Tasks[taskId];
            if (r.Claim(t) is not null) continue;
            // The coordinator learns the survivors' work (it assigned it) and their losses; never their updates.
            var notice = new UpdateNotice(t.Id, t.WorkerId, t.Samples, upload.Steps, "", upload.Input.Words.LongLength, upload.MeanLoss * upload.Steps, upload.Steps, null, _local);
            store.AcceptUpdate(t.Id, Id, r.Round, t.WorkerId, t.Samples, upload.Steps, "", 4L * s.Format.Length);
            metrics.UpdatesAccepted.Add(1);
            NoteAccepted();
            if (r.Count(t, notice)) { StartClose(r); return true; }
        }
        BeginClose(r);
        return true;
    }

    /// <summary>A secure round's task is done once it unmasked: it is not handed out again while the round finishes.</summary>
    bool SecureDone(RoundTask t) => _round?.Secure?.Done(t.Id) == true;
}
