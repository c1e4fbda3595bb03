using System.Data.Common;
using Dapper;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// The coordinator's record of truth, in one SQLite file or a PostgreSQL database: jobs, rounds, tasks, workers,
/// accepted updates (ids and counts, never tensors) and the append-only ledger. A round's ledger entries are written
/// in the same transaction that closes the round, so a crash either counts a round's work once or not at all.
/// The SQL is shared; what the two databases spell differently is in <see cref="SqlDialect"/>.
/// </summary>
public sealed partial class Store
{
    static Store() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>The SQLite file at <paramref name="path"/>.</summary>
    public Store(string path) : this(DatabaseLocation.SqliteFile(path)) { }

    /// <summary>Connects and creates the schema if missing (idempotent; several coordinators may start at once).</summary>
    /// <exception cref="DatabaseException">the database cannot be reached or set up</exception>
    public Store(DatabaseLocation location)
    {
        Location = location;
        try
        {
            using var c = Open();
            Dialect.Prepare(c);
            using var tx = c.BeginTransaction();
            Dialect.LockSchema(c, tx);
            c.Execute(StoreSchema.Create(Dialect), transaction: tx);
            StoreSchema.AddMissingColumns(c, tx, Dialect);
            tx.Commit();
        }
        catch (Exception e) when (e is DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new DatabaseException($"cannot open the {Location.Description}: {e.Message}", e);
        }
    }

    public DatabaseLocation Location { get; }
    public SqlDialect Dialect => Location.Dialect;

    /// <summary>
    /// A new open connection on the store's database (the caller disposes it), for tables kept beside the store's
    /// own, such as cluster membership.
    /// </summary>
    public DbConnection Open() => Dialect.Connect(Location.ConnectionString);

    static string Now() => DateTimeOffset.UtcNow.ToString("O");

    // ---- jobs
    public void InsertJob(JobRow j)
    {
        using var c = Open();
        c.Execute("INSERT INTO jobs (id, name, spec, status, join_token, version, created) VALUES (@Id, @Name, @Spec, @Status, @JoinToken, @Version, @Created)", j);
    }

    public IReadOnlyList<JobRow> Jobs()
    {
        using var c = Open();
        return c.Query<JobRow>("SELECT * FROM jobs ORDER BY created").ToList();
    }

    public void SetJobEstimate(string id, string estimateJson)
    {
        using var c = Open();
        c.Execute("UPDATE jobs SET estimate = @estimateJson WHERE id = @id", new { id, estimateJson });
    }

    /// <summary>Optimizer steps the job's accepted tasks were assigned (× batch = the samples its credit pays for).</summary>
    public long AcceptedSteps(string jobId)
    {
        using var c = Open();
        return c.ExecuteScalar<long>("SELECT CAST(COALESCE(SUM(steps), 0) AS BIGINT) FROM tasks WHERE job_id = @jobId AND status = 'accepted'", new { jobId });
    }

    public void SetJobStatus(string id, string status, string? error = null)
    {
        using var c = Open();
        c.Execute("UPDATE jobs SET status = @status, error = COALESCE(@error, error) WHERE id = @id", new { id, status, error });
    }

    /// <summary>Forgets a job's error once it no longer applies (a job paused for a reason, then resumed).</summary>
    public void ClearJobError(string id)
    {
        using var c = Open();
        c.Execute("UPDATE jobs SET error = NULL WHERE id = @id", new { id });
    }

    // ---- rounds
    /// <summary>Opens (or re-opens after a restart) a round; the attempt counter says how often it started.</summary>
    public int StartRound(string jobId, int round, long version)
    {
        using var c = Open();
        // The target column is qualified: PostgreSQL finds a bare `attempt` ambiguous with the proposed row's.
        return c.ExecuteScalar<int>("""
            INSERT INTO rounds (job_id, round, attempt, status, version, started) VALUES (@jobId, @round, 1, 'collecting', @version, @now)
            ON CONFLICT (job_id, round) DO UPDATE SET attempt = rounds.attempt + 1, status = 'collecting', started = @now
            RETURNING attempt
            """, new { jobId, round, version, now = Now() });
    }

    public IReadOnlyList<RoundRow> Rounds(string jobId)
    {
        using var c = Open();
        return c.Query<RoundRow>("SELECT * FROM rounds WHERE job_id = @jobId ORDER BY round", new { jobId }).ToList();
    }

    /// <summary>What robust aggregation did to each update of a job's rounds, optionally of one round and/or one worker, latest round first.</summary>
    public IReadOnlyList<FateRow> Fates(string jobId, int? round = null, string? workerId = null)
    {
        using var c = Open();
        string where = "WHERE job_id = @jobId" + (round is null ? "" : " AND round = @round") + (workerId is null ? "" : " AND worker_id = @workerId");
        return c.Query<FateDbRow>($"SELECT * FROM fates {where} ORDER BY round DESC, worker_id", new { jobId, round, workerId })
            .Select(f => new FateRow(f.JobId, f.Round, f.WorkerId, f.Share, f.Scale, f.Excluded != 0, f.Why)).ToList();
    }

    sealed class FateDbRow
    {
        public string JobId { get; set; } = "";
        public int Round { get; set; }
        public string WorkerId { get; set; } = "";
        public double Share { get; set; }
        public double Scale { get; set; }
        public int Excluded { get; set; }
        public string? Why { get; set; }
    }

    /// <summary>
    /// Closes a round atomically: round metrics, the job's new version, and one ledger entry per accepted update,
    /// worth the training its task assigned (<see cref="CreditRule"/>, never the worker's claim). Entries older than
    /// the audit window are granted in the same transaction; a job that ends grants all that is still pending.
    /// The checkpoint file for the new version is written before this runs, so the version never points at nothing.
    /// </summary>
    public void CompleteRound(RoundRow r, long newVersion, CreditRule credit, string jobStatus)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        c.Execute("""
            UPDATE rounds SET status = 'closed', closed = @Closed, updates = @Updates, samples = @Samples, train_loss = @TrainLoss,
              test_loss = @TestLoss, test_accuracy = @TestAccuracy, aggregation_ms = @AggregationMs, duration_seconds = @DurationSeconds,
              fed_loss = @FedLoss, fed_accuracy = @FedAccuracy, fed_samples = @FedSamples, metrics = @Metrics, excluded = @Excluded, clipped = @Clipped
            WHERE job_id = @JobId AND round = @Round
            """, r, tx);
        foreach (var f in r.Fates ?? [])
            c.Execute("""
                INSERT INTO fates (job_id, round, worker_id, share, scale, excluded, why) VALUES (@JobId, @Round, @ClientId, @Share, @Scale, @excluded, @Why)
                ON CONFLICT (job_id, round, worker_id) DO NOTHING
                """, new { r.JobId, r.Round, f.ClientId, f.Share, f.Scale, excluded = f.Excluded ? 1 : 0, f.Why }, tx);
        c.Execute("UPDATE jobs SET version = @newVersion, status = @jobStatus WHERE id = @JobId", new { r.JobId, newVersion, jobStatus }, tx);
        c.Execute("""
            INSERT INTO ledger (job_id, round, worker_id, task_id, samples, credits, at, status)
            SELECT u.job_id, u.round, u.worker_id, u.task_id, CAST(t.steps AS BIGINT) * @batch, CAST(t.steps AS BIGINT) * @batch * @perSample, @now, @status
            FROM updates u JOIN tasks t ON t.id = u.task_id
            WHERE u.job_id = @JobId AND u.round = @Round ORDER BY u.accepted_at
            """, new { r.JobId, r.Round, batch = credit.BatchSize, perSample = credit.CreditsPerSample, now = Now(), status = credit.EntryStatus }, tx);
        bool ended = jobStatus is "completed" or "cancelled" or "failed";
        c.Execute("UPDATE ledger SET status = @granted WHERE job_id = @JobId AND status = @pending AND (round <= @through OR @ended = 1)",
            new { r.JobId, granted = CreditRule.Granted, pending = CreditRule.Pending, through = r.Round - credit.GrantAfterRounds, ended = ended ? 1 : 0 }, tx);
        // A job that ends leaves no later audit to release held credit: a worker still unbanned is paid it (at most a
        // few inconclusive tasks, each within fail_above of honest training).
        if (ended)
            c.Execute("UPDATE ledger SET status = @granted, reason = 'held after an inconclusive audit; granted when the job ended' WHERE job_id = @JobId AND status = @held",
                new { r.JobId, granted = CreditRule.Granted, held = CreditRule.Held }, tx);
        c.Execute("UPDATE tasks SET status = 'expired' WHERE job_id = @JobId AND round = @Round AND status = 'assigned'", r, tx);
        tx.Commit();
    }

    /// <summary>
    /// After a restart: a round that did not complete is re-run from its start. Its accepted updates are dropped
    /// (they lived only in the lost in-memory partial sum and were never credited) and its open tasks abandoned.
    /// </summary>
    public (int Tasks, int Updates) AbandonOpenRound(string jobId, int round)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        int t = c.Execute("UPDATE tasks SET status = 'abandoned' WHERE job_id = @jobId AND round >= @round AND status IN ('assigned', 'accepted')", new { jobId, round }, tx);
        int u = c.Execute("DELETE FROM updates WHERE job_id = @jobId AND round >= @round", new { jobId, round }, tx);
        c.Execute("UPDATE rounds SET status = 'interrupted' WHERE job_id = @jobId AND round >= @round AND status = 'collecting'", new { jobId, round }, tx);
        tx.Commit();
        return (t, u);
    }

    // ---- tasks and updates
    public void InsertTask(string id, string jobId, int round, int attempt, string workerId, int steps, DateTimeOffset deadline)
    {
        using var c = Open();
        c.Execute("INSERT INTO tasks (id, job_id, round, attempt, worker_id, status, steps, created, deadline) VALUES (@id, @jobId, @round, @attempt, @workerId, 'assigned', @steps, @now, @deadline)",
            new { id, jobId, round, attempt, workerId, steps, now = Now(), deadline = deadline.ToString("O") });
    }

    public void SetTaskStatus(string id, string status)
    {
        using var c = Open();
        c.Execute("UPDATE tasks SET status = @status, finished = @now WHERE id = @id", new { id, status, now = Now() });
    }

    /// <summary>Records an accepted update (ids and counts only); the primary key on task_id makes a replay impossible.</summary>
    public void AcceptUpdate(string taskId, string jobId, int round, string workerId, long samples, int steps, string commitment, long bytes)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        c.Execute("INSERT INTO updates (task_id, job_id, round, worker_id, samples, steps, commitment, bytes, accepted_at) VALUES (@taskId, @jobId, @round, @workerId, @samples, @steps, @commitment, @bytes, @now)",
            new { taskId, jobId, round, workerId, samples, steps, commitment, bytes, now = Now() }, tx);
        c.Execute("UPDATE tasks SET status = 'accepted', finished = @now WHERE id = @taskId", new { taskId, now = Now() }, tx);
        tx.Commit();
    }

    public long AcceptedUpdates(string jobId)
    {
        using var c = Open();
        return c.ExecuteScalar<long>("SELECT COUNT(*) FROM updates WHERE job_id = @jobId", new { jobId });
    }

    // ---- workers
    public void UpsertWorker(WorkerRow w)
    {
        using var c = Open();
        c.Execute("""
            INSERT INTO workers (id, name, token_hash, scope_job, capabilities, speed, joined) VALUES (@Id, @Name, @TokenHash, @ScopeJob, @Capabilities, @Speed, @Joined)
            ON CONFLICT (id) DO UPDATE SET token_hash = @TokenHash, capabilities = @Capabilities, speed = @Speed
            """, w);
    }

    /// <summary>The worker's latest claimed speed (column speed), the coordinator's measurement of it on that task's job, and in FLOP/s.</summary>
    public void SetWorkerSpeed(string id, double claimed, double? measured, double? measuredFlops)
    {
        using var c = Open();
        c.Execute("UPDATE workers SET speed = @claimed, measured_speed = @measured, measured_flops = @measuredFlops WHERE id = @id", new { id, claimed, measured, measuredFlops });
    }

    public WorkerRow? Worker(string id)
    {
        using var c = Open();
        return c.QueryFirstOrDefault<WorkerRow>("SELECT * FROM workers WHERE id = @id", new { id });
    }

    public IReadOnlyList<WorkerRow> Workers()
    {
        using var c = Open();
        return c.Query<WorkerRow>("SELECT * FROM workers").ToList();
    }

    // ---- ledger
    /// <summary>Per contributor: credits granted, pending, revoked, unverifiable and held (entries from before statuses count as granted).</summary>
    public IReadOnlyList<LedgerTotal> LedgerTotals(string? jobId = null)
    {
        using var c = Open();
        // Mapped through settable properties: on an empty ledger SQLite reports untyped columns, and Dapper
        // cannot then pick the record's constructor. The filter is composed here rather than as `@jobId IS NULL OR ...`,
        // whose untyped null PostgreSQL cannot always type. BIGINT and DOUBLE PRECISION casts read the same in both.
        string where = jobId is null ? "" : "WHERE l.job_id = @jobId";
        string Sum(string status) => $"CAST(COALESCE(SUM(CASE WHEN COALESCE(l.status, 'granted') = '{status}' THEN l.credits ELSE 0 END), 0) AS DOUBLE PRECISION)";
        return c.Query<LedgerTotalRow>($"""
            SELECT l.worker_id AS WorkerId, COALESCE(w.name, l.worker_id) AS Name,
                   CAST(SUM(CASE WHEN COALESCE(l.status, 'granted') IN ('revoked', 'held') THEN 0 ELSE 1 END) AS BIGINT) AS Updates,
                   CAST(COALESCE(SUM(CASE WHEN COALESCE(l.status, 'granted') IN ('revoked', 'held') THEN 0 ELSE l.samples END), 0) AS BIGINT) AS Samples,
                   {Sum(CreditRule.Granted)} AS Granted, {Sum(CreditRule.Pending)} AS Pending, {Sum(CreditRule.Revoked)} AS Revoked,
                   {Sum(CreditRule.Unverifiable)} AS Unverifiable, {Sum(CreditRule.Held)} AS Held
            FROM ledger l LEFT JOIN workers w ON w.id = l.worker_id
            {where} GROUP BY l.worker_id, w.name ORDER BY Granted DESC, Pending DESC, WorkerId
            """, new { jobId }).Select(r => new LedgerTotal(r.WorkerId, r.Name, r.Updates, r.Samples, r.Granted, r.Pending, r.Revoked, r.Unverifiable, r.Held)).ToList();
    }

    /// <summary>Task-level entries, newest first, optionally of one job and/or one contributor.</summary>
    public IReadOnlyList<LedgerEntry> LedgerEntries(string? jobId, string? workerId, int limit)
    {
        using var c = Open();
        var filters = new List<string>();
        if (jobId is not null) filters.Add("job_id = @jobId");
        if (workerId is not null) filters.Add("worker_id = @workerId");
        string where = filters.Count == 0 ? "" : "WHERE " + string.Join(" AND ", filters);
        return c.Query<LedgerRow>($"SELECT * FROM ledger {where} ORDER BY seq DESC LIMIT @limit", new { jobId, workerId, limit })
            .Select(r => new LedgerEntry(r.JobId, r.Round, r.WorkerId, r.TaskId, r.Samples, r.Credits, r.Status ?? CreditRule.Granted, r.Reason, r.At)).ToList();
    }

    public long LedgerEntries(string jobId)
    {
        using var c = Open();
        return c.ExecuteScalar<long>("SELECT COUNT(*) FROM ledger WHERE job_id = @jobId", new { jobId });
    }

    sealed class LedgerTotalRow
    {
        public string WorkerId { get; set; } = "";
        public string Name { get; set; } = "";
        public long Updates { get; set; }
        public long Samples { get; set; }
        public double Granted { get; set; }
        public double Pending { get; set; }
        public double Revoked { get; set; }
        public double Unverifiable { get; set; }
        public double Held { get; set; }
    }
}
