namespace Tessera.Coordinator.Storage;

/// <summary>
/// The store's tables, written once for both databases: only column types that differ come from the dialect.
/// Times are ISO-8601 text on both, so rows read back identically whichever database holds them.
/// </summary>
static class StoreSchema
{
    public static string Create(SqlDialect d) => $"""
        CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, status TEXT NOT NULL,
          join_token TEXT NOT NULL, version {d.BigInt} NOT NULL, created TEXT NOT NULL, error TEXT);
        CREATE TABLE IF NOT EXISTS rounds (job_id TEXT NOT NULL, round INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL,
          version {d.BigInt} NOT NULL, started TEXT NOT NULL, closed TEXT, updates INTEGER NOT NULL DEFAULT 0, samples {d.BigInt} NOT NULL DEFAULT 0,
          train_loss {d.Double}, test_loss {d.Double}, test_accuracy {d.Double}, aggregation_ms {d.Double}, duration_seconds {d.Double},
          fed_loss {d.Double}, fed_accuracy {d.Double}, fed_samples {d.BigInt}, metrics TEXT,
          PRIMARY KEY (job_id, round));
        CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, round INTEGER NOT NULL, attempt INTEGER NOT NULL,
          worker_id TEXT NOT NULL, status TEXT NOT NULL, steps INTEGER NOT NULL, created TEXT NOT NULL, deadline TEXT NOT NULL, finished TEXT);
        CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, scope_job TEXT,
          capabilities TEXT NOT NULL, speed {d.Double} NOT NULL, joined TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS updates (task_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, round INTEGER NOT NULL, worker_id TEXT NOT NULL,
          samples {d.BigInt} NOT NULL, steps INTEGER NOT NULL, commitment TEXT NOT NULL, bytes {d.BigInt} NOT NULL, accepted_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS ledger (seq {d.Identity}, job_id TEXT NOT NULL, round INTEGER NOT NULL,
          worker_id TEXT NOT NULL, task_id TEXT NOT NULL UNIQUE, samples {d.BigInt} NOT NULL, credits {d.Double} NOT NULL, at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS trust (job_id TEXT NOT NULL, worker_id TEXT NOT NULL, passes INTEGER NOT NULL, audits INTEGER NOT NULL,
          tasks INTEGER NOT NULL, banned INTEGER NOT NULL, reason TEXT, PRIMARY KEY (job_id, worker_id));
        CREATE TABLE IF NOT EXISTS fates (job_id TEXT NOT NULL, round INTEGER NOT NULL, worker_id TEXT NOT NULL, share {d.Double} NOT NULL,
          scale {d.Double} NOT NULL, excluded INTEGER NOT NULL, why TEXT, PRIMARY KEY (job_id, round, worker_id));
        CREATE TABLE IF NOT EXISTS audits (task_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, round INTEGER NOT NULL, worker_id TEXT NOT NULL,
          outcome TEXT NOT NULL, relative_error {d.Double}, chain_matches INTEGER NOT NULL, replay_ms {d.Double} NOT NULL, runtime TEXT, reason TEXT, at TEXT NOT NULL);
        """;

    /// <summary>Columns added after a table was first created, as (table, column, type).</summary>
    static (string Table, string Column, string Type)[] Added(SqlDialect d) =>
    [
        ("rounds", "fed_loss", d.Double), ("rounds", "fed_accuracy", d.Double), ("rounds", "fed_samples", d.BigInt), ("rounds", "metrics", "TEXT"),
        ("ledger", "status", "TEXT"), ("ledger", "reason", "TEXT"),
        ("workers", "measured_speed", d.Double), ("workers", "measured_flops", d.Double), ("jobs", "estimate", "TEXT"),
        ("trust", "doubts", "INTEGER"), ("rounds", "excluded", "INTEGER"), ("rounds", "clipped", "INTEGER"),
    ];

    /// <summary>Brings a database made by an older Tessera up to date: adds the columns it lacks (safe to repeat).</summary>
    public static void AddMissingColumns(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, SqlDialect d)
    {
        foreach (var (table, column, type) in Added(d))
        {
            using var probe = c.CreateCommand();
            probe.Transaction = tx;
            probe.CommandText = $"SELECT * FROM {table} WHERE 1 = 0";
            bool present;
            using (var reader = probe.ExecuteReader())
                present = Enumerable.Range(0, reader.FieldCount).Any(i => reader.GetName(i).Equals(column, StringComparison.OrdinalIgnoreCase));
            if (present) continue;
            using var add = c.CreateCommand();
            add.Transaction = tx;
            add.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {type}";
            add.ExecuteNonQuery();
        }
    }
}
