using Dapper;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Storage;

/// <summary>The audit stage's records: each worker's trust per job, every replay, and revocations in the ledger.</summary>
public sealed partial class Store
{
    public IReadOnlyDictionary<string, TrustRecord> Trust(string jobId)
    {
        using var c = Open();
        return c.Query<TrustRow>("SELECT * FROM trust WHERE job_id = @jobId", new { jobId })
            .ToDictionary(r => r.WorkerId, r => new TrustRecord(r.Passes, r.Audits, r.Tasks, r.Banned != 0, r.Reason, r.Doubts ?? 0), StringComparer.Ordinal);
    }

    public void SaveTrust(string jobId, string workerId, TrustRecord t)
    {
        using var c = Open();
        SaveTrust(c, null, jobId, workerId, t);
    }

    static void SaveTrust(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, string jobId, string workerId, TrustRecord t) =>
        c.Execute("""
            INSERT INTO trust (job_id, worker_id, passes, audits, tasks, banned, reason, doubts) VALUES (@jobId, @workerId, @passes, @audits, @tasks, @banned, @reason, @doubts)
            ON CONFLICT (job_id, worker_id) DO UPDATE SET passes = @passes, audits = @audits, tasks = @tasks, banned = @banned, reason = @reason, doubts = @doubts
            """, new { jobId, workerId, passes = t.ConsecutivePasses, audits = t.Audits, tasks = t.Tasks, banned = t.Banned ? 1 : 0, reason = t.Reason, doubts = t.Doubts }, tx);

    public void RecordAudit(AuditRow a)
    {
        using var c = Open();
        RecordAudit(c, null, a);
    }

    static void RecordAudit(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, AuditRow a) =>
        c.Execute("""
            INSERT INTO audits (task_id, job_id, round, worker_id, outcome, relative_error, chain_matches, replay_ms, runtime, reason, at)
            VALUES (@TaskId, @JobId, @Round, @WorkerId, @Outcome, @error, @chain, @ReplayMs, @Runtime, @Reason, @now)
            ON CONFLICT (task_id) DO NOTHING
            """, new { a.TaskId, a.JobId, a.Round, a.WorkerId, a.Outcome, error = a.RelativeError is { } e && double.IsFinite(e) ? e : (double?)null,
                chain = a.ChainMatches ? 1 : 0, a.ReplayMs, a.Runtime, a.Reason, now = Now() }, tx);

    /// <summary>Every replay of a job (or of all jobs), oldest first: the calibration data of docs/TRUST.md.</summary>
    public IReadOnlyList<AuditRow> Audits(string? jobId = null)
    {
        using var c = Open();
        string where = jobId is null ? "" : "WHERE job_id = @jobId";
        return c.Query<AuditDbRow>($"SELECT * FROM audits {where} ORDER BY at", new { jobId })
            .Select(r => new AuditRow(r.TaskId, r.JobId, r.Round, r.WorkerId, r.Outcome, r.RelativeError, r.ChainMatches != 0, r.ReplayMs, r.Runtime, r.Reason)).ToList();
    }

    /// <summary>
    /// A worker failed an audit, in one transaction: the audit is recorded, the task rejected, the worker banned from
    /// the job with trust reset, every pending ledger entry of it in this job revoked with the reason, and the
    /// failed task itself entered as revoked (what it would have earned), so the ledger shows why.
    /// </summary>
    public void Caught(AuditRow audit, TrustRecord trust, CreditRule credit, int steps)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        Reject(c, tx, audit, trust);
        string reason = $"caught on task {audit.TaskId}: {audit.Reason}";
        c.Execute("UPDATE ledger SET status = @revoked, reason = @reason WHERE job_id = @JobId AND worker_id = @WorkerId AND status IN (@pending, @held)",
            new { audit.JobId, audit.WorkerId, reason, revoked = CreditRule.Revoked, pending = CreditRule.Pending, held = CreditRule.Held }, tx);
        Enter(c, tx, audit.JobId, audit.Round, audit.WorkerId, audit.TaskId, credit.AssignedSamples(steps), credit.CreditsFor(steps), CreditRule.Revoked, $"failed its audit: {audit.Reason}");
        tx.Commit();
    }

    /// <summary>
    /// An inconclusive audit, in one transaction: the audit recorded, the task rejected (left out of the model), the
    /// worker's trust reset, and the task's credit entered as held until the worker's next audit passes.
    /// </summary>
    public void Doubted(AuditRow audit, TrustRecord trust, CreditRule credit, int steps)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        Reject(c, tx, audit, trust);
        Enter(c, tx, audit.JobId, audit.Round, audit.WorkerId, audit.TaskId, credit.AssignedSamples(steps), credit.CreditsFor(steps), CreditRule.Held, $"inconclusive audit, held until a later audit passes: {audit.Reason}");
        tx.Commit();
    }

    /// <summary>
    /// A passed audit, in one transaction: the audit recorded, the worker's trust saved, and its held credit (tasks
    /// whose audits were inconclusive) released to pending, to be granted like any other.
    /// </summary>
    public void Passed(AuditRow audit, TrustRecord trust)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        RecordAudit(c, tx, audit);
        SaveTrust(c, tx, audit.JobId, audit.WorkerId, trust);
        c.Execute("UPDATE ledger SET status = @pending, reason = @why WHERE job_id = @JobId AND worker_id = @WorkerId AND status = @held",
            new { audit.JobId, audit.WorkerId, pending = CreditRule.Pending, held = CreditRule.Held, why = $"held after an inconclusive audit; released by the pass of task {audit.TaskId}" }, tx);
        tx.Commit();
    }

    /// <summary>One task's ledger entry with its status and why; a task is entered once (a replayed request changes nothing).</summary>
    static void Enter(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, string jobId, int round, string workerId, string taskId,
        long samples, double credits, string status, string reason) =>
        c.Execute("""
            INSERT INTO ledger (job_id, round, worker_id, task_id, samples, credits, at, status, reason)
            VALUES (@jobId, @round, @workerId, @taskId, @samples, @credits, @now, @status, @reason)
            ON CONFLICT (task_id) DO NOTHING
            """, new { jobId, round, workerId, taskId, samples, credits, now = Now(), status, reason }, tx);

    /// <summary>What every refused audit writes: the audit, the task rejected, the worker's new trust.</summary>
    static void Reject(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, AuditRow audit, TrustRecord trust)
    {
        RecordAudit(c, tx, audit);
        c.Execute("UPDATE tasks SET status = 'rejected', finished = @now WHERE id = @TaskId", new { audit.TaskId, now = Now() }, tx);
        SaveTrust(c, tx, audit.JobId, audit.WorkerId, trust);
    }

    /// <summary>A verifier re-ran another worker's task: paid the training it re-ran, pending like any task's credit.</summary>
    public void CreditVerification(string jobId, int round, string workerId, string taskId, CreditRule credit, int steps)
    {
        using var c = Open();
        Enter(c, null, jobId, round, workerId, taskId, credit.AssignedSamples(steps), credit.CreditsFor(steps), credit.EntryStatus, "verification");
        c.Execute("UPDATE tasks SET status = 'accepted', finished = @now WHERE id = @taskId", new { taskId, now = Now() });
    }

    sealed class TrustRow
    {
        public string WorkerId { get; set; } = "";
        public int Passes { get; set; }
        public int Audits { get; set; }
        public int Tasks { get; set; }
        public int Banned { get; set; }
        public string? Reason { get; set; }
        public int? Doubts { get; set; }
    }

    sealed class AuditDbRow
    {
        public string TaskId { get; set; } = "";
        public string JobId { get; set; } = "";
        public int Round { get; set; }
        public string WorkerId { get; set; } = "";
        public string Outcome { get; set; } = "";
        public double? RelativeError { get; set; }
        public int ChainMatches { get; set; }
        public double ReplayMs { get; set; }
        public string? Runtime { get; set; }
        public string? Reason { get; set; }
    }
}
