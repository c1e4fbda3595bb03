using Tessera.Federation.Trust;
using System.Data.Common;
using Dapper;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>The store's contract, run against SQLite and PostgreSQL alike (each test gets a fresh, empty database).</summary>
public sealed class StoreTests
{
    static JobRow Job(string id, string created = "2026-01-01T00:00:00.0000000+00:00") => new()
    {
        Id = id, Name = $"job {id}", Spec = "model: 2nn", Status = "running", JoinToken = $"token-{id}", Version = 0, Created = created,
    };

    static WorkerRow Worker(string id, string name, string tokenHash = "h", double speed = 100, string? scope = null) => new()
    {
        Id = id, Name = name, TokenHash = tokenHash, ScopeJob = scope, Capabilities = "{}", Speed = speed, Joined = "2026-01-01T00:00:00Z",
    };

    static RoundRow Closed(string jobId, int round, int updates, long samples) => new()
    {
        JobId = jobId, Round = round, Closed = "2026-01-01T00:01:00Z", Updates = updates, Samples = samples,
        TrainLoss = 0.123456789012345, TestLoss = 0.25, TestAccuracy = 0.975, AggregationMs = 1.5, DurationSeconds = 12.25,
    };

    static string TaskStatus(Store store, string taskId)
    {
        using var c = store.Open();
        return c.ExecuteScalar<string>("SELECT status FROM tasks WHERE id = @taskId", new { taskId })!;
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Schema_creation_is_idempotent_and_Open_reaches_the_same_database(string backend)
    {
        using var db = new TestDatabase(backend);
        var first = db.OpenStore();
        Assert.Equal(backend == TestDatabase.Sqlite ? StoreBackend.Sqlite : StoreBackend.Postgres, first.Dialect.Backend);
        first.InsertJob(Job("a"));

        var second = db.OpenStore(); // a restart: the schema is created again over existing tables
        Assert.Equal(["a"], second.Jobs().Select(j => j.Id));
        using var c = second.Open();
        Assert.Equal(1L, c.ExecuteScalar<long>("SELECT COUNT(*) FROM jobs"));
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Jobs_list_in_creation_order_and_keep_their_error_until_replaced(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.InsertJob(Job("late", "2026-01-02T00:00:00.0000000+00:00"));
        store.InsertJob(Job("early", "2026-01-01T00:00:00.0000000+00:00"));
        Assert.Equal(["early", "late"], store.Jobs().Select(j => j.Id));

        store.SetJobStatus("early", "failed", "out of memory");
        store.SetJobStatus("early", "paused"); // no new error: the old one stays
        var early = store.Jobs().Single(j => j.Id == "early");
        Assert.Equal(("paused", "out of memory"), (early.Status, early.Error));
        Assert.Null(store.Jobs().Single(j => j.Id == "late").Error);
        store.ClearJobError("early");
        Assert.Null(store.Jobs().Single(j => j.Id == "early").Error);
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Reopening_a_round_counts_its_attempts(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.InsertJob(Job("j"));
        Assert.Equal(1, store.StartRound("j", 1, 0));
        Assert.Equal(2, store.StartRound("j", 1, 0));
        Assert.Equal(1, store.StartRound("j", 2, 1));
        var rounds = store.Rounds("j");
        Assert.Equal([(1, 2, "collecting", 0L), (2, 1, "collecting", 1L)], rounds.Select(r => (r.Round, r.Attempt, r.Status, r.Version)));
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void An_update_replayed_for_the_same_task_is_refused_and_counted_once(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.InsertJob(Job("j"));
        store.StartRound("j", 1, 0);
        store.InsertTask("t1", "j", 1, 1, "w1", 10, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("assigned", TaskStatus(store, "t1"));
        store.AcceptUpdate("t1", "j", 1, "w1", 600, 10, "c0ffee", 1000);

        Assert.ThrowsAny<DbException>(() => store.AcceptUpdate("t1", "j", 1, "w1", 600, 10, "c0ffee", 1000));
        Assert.Equal(1, store.AcceptedUpdates("j"));
        Assert.Equal("accepted", TaskStatus(store, "t1"));
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Closing_a_round_credits_each_accepted_update_once_in_one_transaction(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.InsertJob(Job("j"));
        store.UpsertWorker(Worker("w1", "laptop", "h1"));
        store.UpsertWorker(Worker("w2", "gpu box", "h2"));
        store.StartRound("j", 1, 0);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        store.InsertTask("t1", "j", 1, 1, "w1", 1, deadline);
        store.InsertTask("t2", "j", 1, 1, "w2", 10, deadline);
        store.InsertTask("t3", "j", 1, 1, "w1", 10, deadline); // a straggler, still assigned at the close
        const long huge = 3_000_000_000; // past 32 bits: sample counts are 64-bit on both databases
        // Credit follows the steps each task was assigned (x batch), not the samples a worker claims.
        store.AcceptUpdate("t1", "j", 1, "w1", 7, 1, "a", 10);
        store.AcceptUpdate("t2", "j", 1, "w2", 5, 10, "b", 10);
        var credit = new CreditRule(0.5, 300_000_000, Verifiable: true, GrantAfterRounds: 0);

        store.CompleteRound(Closed("j", 1, 2, huge + 100), 1, credit, "running");

        Assert.Equal(2, store.LedgerEntries("j"));
        var totals = store.LedgerTotals("j");
        Assert.Equal([("w2", "gpu box", 1L, huge, huge * 0.5), ("w1", "laptop", 1L, huge / 10, huge / 10 * 0.5)],
            totals.Select(t => (t.WorkerId, t.Name, t.Updates, t.Samples, t.Credits)));
        Assert.Equal(1, store.Jobs().Single().Version);
        var round = store.Rounds("j").Single();
        Assert.Equal(("closed", 2, huge + 100), (round.Status, round.Updates, round.Samples));
        Assert.Equal(0.123456789012345, round.TrainLoss); // double precision survives the round trip
        Assert.Equal(12.25, round.DurationSeconds);
        Assert.Equal("expired", TaskStatus(store, "t3"));

        // Closing the same round again would credit its updates twice: the whole transaction is refused, so the job's
        // version and the round's row stay as the first close left them.
        Assert.ThrowsAny<DbException>(() => store.CompleteRound(Closed("j", 1, 5, 999), 2, credit, "completed"));
        Assert.Equal(2, store.LedgerEntries("j"));
        Assert.Equal((1L, "running"), (store.Jobs().Single().Version, store.Jobs().Single().Status));
        Assert.Equal(2, store.Rounds("j").Single().Updates);
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Abandoning_an_open_round_drops_its_uncredited_updates_and_keeps_the_ledger(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.InsertJob(Job("j"));
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        store.StartRound("j", 1, 0);
        store.InsertTask("r1", "j", 1, 1, "w1", 10, deadline);
        store.AcceptUpdate("r1", "j", 1, "w1", 100, 10, "a", 10);
        store.CompleteRound(Closed("j", 1, 1, 100), 1, new CreditRule(1, 10, Verifiable: false, GrantAfterRounds: 0), "running");
        store.StartRound("j", 2, 1);
        store.InsertTask("r2a", "j", 2, 1, "w1", 10, deadline);
        store.InsertTask("r2b", "j", 2, 1, "w2", 10, deadline);
        store.AcceptUpdate("r2a", "j", 2, "w1", 100, 10, "b", 10);

        Assert.Equal((2, 1), store.AbandonOpenRound("j", 2));

        Assert.Equal(1, store.AcceptedUpdates("j")); // round 1's only
        Assert.Equal(1, store.LedgerEntries("j"));
        Assert.Equal(["closed", "interrupted"], store.Rounds("j").Select(r => r.Status));
        Assert.Equal(["accepted", "abandoned", "abandoned"], new[] { "r1", "r2a", "r2b" }.Select(t => TaskStatus(store, t)));
        Assert.Equal(2, store.StartRound("j", 2, 1)); // re-run from its start
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void A_rejoining_worker_keeps_its_name_and_gets_its_new_token_and_speed(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        store.UpsertWorker(Worker("w1", "laptop", "h1", 10, scope: "j"));
        store.UpsertWorker(Worker("w2", "phone", "h2", 5));
        store.UpsertWorker(Worker("w1", "renamed", "h3", 20, scope: "j"));
        store.SetWorkerSpeed("w2", 7.25, 3.5, 3.5e6);

        var w1 = store.Worker("w1")!;
        Assert.Equal(("laptop", "h3", 20.0, "j"), (w1.Name, w1.TokenHash, w1.Speed, w1.ScopeJob));
        var w2 = store.Worker("w2")!;
        Assert.Equal((7.25, 3.5, 3.5e6, (string?)null), (w2.Speed, w2.MeasuredSpeed, w2.MeasuredFlops, w2.ScopeJob));
        Assert.Null(w1.MeasuredSpeed); // never timed yet
        Assert.Null(store.Worker("nobody"));
        Assert.Equal(["w1", "w2"], store.Workers().Select(w => w.Id).Order());
    }

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public void Ledger_totals_sum_across_jobs_or_filter_by_one(string backend)
    {
        using var db = new TestDatabase(backend);
        var store = db.OpenStore();
        Assert.Empty(store.LedgerTotals());
        foreach (var job in new[] { "a", "b" })
        {
            store.InsertJob(Job(job));
            store.StartRound(job, 1, 0);
            store.InsertTask($"{job}-t", job, 1, 1, "w1", 10, DateTimeOffset.UtcNow.AddMinutes(1));
            store.AcceptUpdate($"{job}-t", job, 1, "w1", 40, 10, "c", 10);
            store.CompleteRound(Closed(job, 1, 1, 40), 1, new CreditRule(0.25, 4, Verifiable: true, GrantAfterRounds: 5), "completed");
        }

        // w1 never joined through this store (no workers row): its id stands in for its name.
        Assert.Equal([("w1", "w1", 2L, 80L, 20.0)], store.LedgerTotals().Select(t => (t.WorkerId, t.Name, t.Updates, t.Samples, t.Credits)));
        Assert.Equal([(1L, 40L)], store.LedgerTotals("a").Select(t => (t.Updates, t.Samples)));
        Assert.Empty(store.LedgerTotals("no such job"));
    }
}
