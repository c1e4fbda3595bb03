using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Workers;
using Tessera.Federation.Rounds.Lifecycle;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Verification by trusted workers (replay: workers, BOINC-style replication): an audited upload is held while
/// <c>quorum</c> other workers the job trusts re-run its task; if they all pass it, it is folded; otherwise the
/// coordinator replays it itself and its verdict decides, banning whichever side disagreed with it. While too
/// few trusted workers are idle the coordinator replays it itself.
/// A verifier that vanishes leaves the held update out, unpunished; verifiers are paid for the training they re-ran.
/// </summary>
public sealed partial class JobGrain
{
    /// <summary>Hands the upload's task to trusted idle workers to re-run; false when too few are there (the coordinator replays instead).</summary>
    bool HoldForVerifiers(RoundTask original, RoundState r)
    {
        int quorum = Setup.Spec.Verification.Quorum;
        var verifiers = VerificationQuorum<AuditNotice>.Choose(_presence.Idle(), w => w.Id, original.WorkerId, _audits.IsTrusted, quorum);
        if (verifiers.Count == 0) return false;
        original.Votes = new VerificationQuorum<AuditNotice>(quorum, Setup.Spec.Verification.MinRate,
            () => System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) / (double)int.MaxValue);
        foreach (var v in verifiers) CreateVerificationTask(original, v, r);
        workers.Wake(verifiers.Select(v => v.Id));
        log.LogInformation("job {Job}: task {Task} of worker {Worker} is held while {Count} trusted workers re-run it", Id, original.Id, original.WorkerId, verifiers.Count);
        return true;
    }

    void CreateVerificationTask(RoundTask original, WorkerProfile verifier, RoundState r)
    {
        var task = RoundTask.VerificationOf(original, verifier.Id, DateTimeOffset.UtcNow + Deadline);
        store.InsertTask(task.Id, Id, task.Round, r.Attempt, verifier.Id, task.Steps, task.Deadline);
        r.Tasks[task.Id] = task;
        _allTasks[task.Id] = task;
    }

    public Task<VoteResult> Vote(string verificationTaskId, AuditNotice verdict)
    {
        if (!_allTasks.TryGetValue(verificationTaskId, out var v) || v.Verifies is not { } original || v.State != TaskState.Folding)
            return Task.FromResult(new VoteResult($"task {verificationTaskId} is not a verification task being uploaded", false, false, 0, 0, null));
        v.State = TaskState.Accepted;
        store.CreditVerification(Id, v.Round, v.WorkerId, v.Id, Setup.Credit, v.Steps);
        if (original.State != TaskState.Folding || original.Votes is not { } votes)
            return Task.FromResult(new VoteResult(null, false, false, 0, 0, null));   // decided already (or the round moved on): the re-run is still paid
        switch (votes.Add(v.Id, verdict, verdict.Passed))
        {
            case QuorumDecision.Fold when _round is { } r && r.Tasks.ContainsKey(original.Id):
                original.Votes = null;
                return Task.FromResult(new VoteResult(null, true, true, r.Round, r.Attempt, verdict));
            case QuorumDecision.Arbitrate:
                return Task.FromResult(new VoteResult(null, false, false, 0, 0, votes.FirstDissent, Arbitrate: true));
            default:
                return Task.FromResult(new VoteResult(null, false, false, 0, 0, null));
        }
    }

    public Task<VoteResult> Arbitrated(string originalTaskId, AuditNotice coordinatorVerdict)
    {
        if (!_allTasks.TryGetValue(originalTaskId, out var original) || original.State != TaskState.Folding || original.Votes is not { } votes)
            return Task.FromResult(new VoteResult($"task {originalTaskId} is not held", false, false, 0, 0, null));
        original.Votes = null;
        if (!coordinatorVerdict.Passed)
        {
            Refused(original.Id, coordinatorVerdict);
            // Verifiers that passed an update the coordinator's replay fails outright vouched for a cheat (collusion).
            if (!coordinatorVerdict.Inconclusive)
                foreach (var (verifier, verdict) in votes.Vouchers) CatchVerifier(verifier, verdict, original, "passed an update failed by", coordinatorVerdict.Reason);
            return Task.FromResult(new VoteResult(null, true, false, 0, 0, coordinatorVerdict));
        }
        // The verifier's re-run disagreed with the coordinator's replay of the same task: it is the one caught, or,
        // within honest cross-runtime noise (inconclusive), audited on every task again like an uploader would be.
        foreach (var (verifier, verdict) in votes.Dissenters)
        {
            if (verdict.Inconclusive) _audits.Refused(_allTasks[verifier], verdict);
            else CatchVerifier(verifier, verdict, original, "disagreed with", verdict.Reason);
        }
        if (_round is { } r && r.Tasks.ContainsKey(original.Id))
            return Task.FromResult(new VoteResult(null, true, true, r.Round, r.Attempt, coordinatorVerdict));
        return Task.FromResult(new VoteResult(null, true, false, 0, 0, coordinatorVerdict));
    }

    void CatchVerifier(string verifier, AuditNotice verdict, RoundTask original, string how, string? why)
    {
        _audits.Refused(_allTasks[verifier], verdict with
        {
            Outcome = Storage.AuditRow.FailedOutcome,
            Reason = $"its re-run of task {original.Id} {how} the coordinator's replay ({why})",
        });
        log.LogWarning("job {Job}: verifier task {Verifier} re-ran task {Task} unlike the coordinator's replay; its worker is banned", Id, verifier, original.Id);
    }

    /// <summary>A verifier expired or gave its task back: if no other verdict can still come, the held update is left out.</summary>
    void VerificationLost(RoundTask verification)
    {
        if (verification.Verifies is not { State: TaskState.Folding, Votes: { } votes } original) return;
        int outstanding = _allTasks.Values.Count(t => t.Verifies == original && t.State is TaskState.Assigned or TaskState.Folding);
        if (votes.CanStillDecide(outstanding)) return;
        original.Votes = null;
        store.SetTaskStatus(original.Id, "rejected");
        log.LogWarning("job {Job}: the verifiers of task {Task} did not answer; its update is left out", Id, original.Id);
        if (_round is { } r && r.Refuse(original)) StartClose(r);
        else original.State = TaskState.Rejected;
    }
}
