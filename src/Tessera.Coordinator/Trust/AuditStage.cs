using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Trust;

/// <summary>
/// The audit stage of one job at the coordinator: the job's <see cref="TrustBook"/> (which uploads to replay, drawn
/// with a CSPRNG after the upload arrived; who is banned) restored from the store, and every change of trust
/// written to the store before the job grain acts on it, so a restart bans the same workers. The grain only
/// moves its tasks and rounds on what this decides.
/// </summary>
public sealed class AuditStage
{
    readonly string _job;
    readonly JobSetup _setup;
    readonly Store _store;
    readonly ILogger _log;
    readonly TrustBook _trust;

    public AuditStage(string jobId, JobSetup setup, Store store, ILogger log)
    {
        (_job, _setup, _store, _log) = (jobId, setup, store, log);
        _trust = new TrustBook(setup.Spec.Verification, () => RandomNumberGenerator.GetInt32(int.MaxValue) / (double)int.MaxValue);
        foreach (var (worker, record) in store.Trust(jobId)) _trust.Restore(worker, record);
    }

    public bool IsBanned(string worker) => _trust.IsBanned(worker);

    /// <summary>Trusted enough to verify others (replay: workers): passed trusted_after audits in a row and never caught.</summary>
    public bool IsTrusted(string worker) => _trust.Of(worker) is { Banned: false } r && r.ConsecutivePasses >= Math.Max(1, _setup.Spec.Verification.TrustedAfter);

    public static string Banned(string worker) => $"worker {worker} is banned from this job: an update of it failed its audit";

    /// <summary>Whether this claimed upload must pass a replay before it counts.</summary>
    public bool Draw(RoundTask t) => _setup.Verifiable && t.Shard is not null && _trust.DrawAudit(t.WorkerId);

    /// <summary>The upload counted (audited and passed, or not audited).</summary>
    public void Counted(RoundTask t, AuditNotice? audit)
    {
        if (!_setup.Verifiable) return;
        var record = _trust.Counted(t.WorkerId, audited: audit is not null);
        if (audit is null) _store.SaveTrust(_job, t.WorkerId, record);
        else _store.Passed(Row(t, audit), record);
    }

    /// <summary>
    /// The upload did not pass: an inconclusive audit starts the worker's trust over and holds the task's credit (a
    /// run of them is a failure); a failed one bans the worker and revokes its pending and held credit. True when banned.
    /// </summary>
    public bool Refused(RoundTask t, AuditNotice audit)
    {
        if (audit.Inconclusive)
        {
            var doubted = _trust.Doubted(t.WorkerId, audit.Reason ?? "inconclusive");
            if (doubted.Banned)
            {
                _store.Caught(Row(t, audit with { Outcome = AuditRow.FailedOutcome, Reason = doubted.Reason }), doubted, _setup.Credit, t.Steps);
                _log.LogWarning("job {Job}: worker {Worker} is banned: {Reason}", _job, t.WorkerId, doubted.Reason);
                return true;
            }
            _store.Doubted(Row(t, audit), doubted, _setup.Credit, t.Steps);
            _log.LogWarning("job {Job}: the audit of task {Task} by worker {Worker} was inconclusive; the update is left out, its credit held and the worker audited on every task again: {Reason}",
                _job, t.Id, t.WorkerId, audit.Reason);
            return false;
        }
        var record = _trust.Caught(t.WorkerId, audit.Reason ?? "failed its audit");
        _store.Caught(Row(t, audit), record, _setup.Credit, t.Steps);
        _log.LogWarning("job {Job}: worker {Worker} failed the audit of task {Task} (round {Round}) and is banned: {Reason}", _job, t.WorkerId, t.Id, t.Round, audit.Reason);
        return true;
    }

    AuditRow Row(RoundTask t, AuditNotice a) => new(t.Id, _job, t.Round, t.WorkerId, a.Outcome, a.RelativeError, a.ChainMatches, a.ReplayMs, a.Runtime, a.Reason);
}
