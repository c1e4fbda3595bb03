using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The audit stage as the grain drives it (the decisions are <see cref="TrustBook"/>'s): at each claim it draws,
/// with a CSPRNG and after the upload arrived, whether the update must pass a replay first; an update that does
/// not pass is never folded (it has no effect on the model); if it failed, its worker is banned and its pending
/// credit revoked; if it was inconclusive, its worker is audited on every task again.
/// Every change of trust is written to the store before it is acted on, so a restart bans the same workers.
/// </summary>
public sealed partial class JobGrain
{
    TrustBook _trust = null!;

    void OpenTrustBook()
    {
        _trust = new TrustBook(Setup.Spec.Verification, () => RandomNumberGenerator.GetInt32(int.MaxValue) / (double)int.MaxValue);
        foreach (var (worker, record) in store.Trust(Id)) _trust.Restore(worker, record);
    }

    bool DrawAudit(RoundTask t) => Setup.Verifiable && t.Shard is not null && _trust.DrawAudit(t.WorkerId);

    static string Banned(string worker) => $"worker {worker} is banned from this job: an update of it failed its audit";

    void CountTrust(RoundTask t, UpdateNotice n)
    {
        if (!Setup.Verifiable) return;
        var record = _trust.Counted(t.WorkerId, audited: n.Audit is not null);
        store.SaveTrust(Id, t.WorkerId, record);
        if (n.Audit is { } a) store.RecordAudit(Row(t, a));
    }

    AuditRow Row(RoundTask t, AuditNotice a) => new(t.Id, Id, t.Round, t.WorkerId, a.Outcome, a.RelativeError, a.ChainMatches, a.ReplayMs, a.Runtime, a.Reason);

    public Task Refused(string taskId, AuditNotice audit)
    {
        if (!_allTasks.TryGetValue(taskId, out var t) || t.State != TaskState.Folding || audit.Passed) return Task.CompletedTask;
        t.State = TaskState.Rejected;
        metrics.UpdatesRejected.Add(1);
        if (audit.Inconclusive)
        {
            store.Doubted(Row(t, audit), _trust.Doubted(t.WorkerId));
            log.LogWarning("job {Job}: the audit of task {Task} by worker {Worker} was inconclusive; the update is left out and the worker audited on every task again: {Reason}",
                Id, t.Id, t.WorkerId, audit.Reason);
        }
        else
        {
            var record = _trust.Caught(t.WorkerId, audit.Reason ?? "failed its audit");
            store.Caught(Row(t, audit), record, Setup.Credit.CreditsFor(t.Steps), Setup.Credit.AssignedSamples(t.Steps));
            log.LogWarning("job {Job}: worker {Worker} failed the audit of task {Task} (round {Round}) and is banned: {Reason}",
                Id, t.WorkerId, t.Id, t.Round, audit.Reason);
        }
        if (_async is null && _round is { } r && r.Tasks.ContainsKey(taskId))
        {
            r.Folding--;
            if (r.Phase == RoundPhase.Closing && r.Folding == 0) StartClose(r);
        }
        Pulse();
        workers.Changes.Pulse(); // the next tick invites a replacement
        return Task.CompletedTask;
    }
}
