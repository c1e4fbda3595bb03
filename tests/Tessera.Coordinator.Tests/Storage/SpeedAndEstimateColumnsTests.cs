using Microsoft.Data.Sqlite;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>A database written before measured speeds and job estimates existed gains their columns when opened, keeping its rows.</summary>
public sealed class SpeedAndEstimateColumnsTests
{
    [Fact]
    public void An_older_database_gains_the_measured_speed_and_estimate_columns()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-store-").FullName;
        var path = Path.Combine(dir, "tessera.db");
        try
        {
            using (var c = new SqliteConnection($"Data Source={path}"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                // The two tables as an older Tessera created them.
                cmd.CommandText = """
                    CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, status TEXT NOT NULL,
                      join_token TEXT NOT NULL, version BIGINT NOT NULL, created TEXT NOT NULL, error TEXT);
                    CREATE TABLE workers (id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, scope_job TEXT,
                      capabilities TEXT NOT NULL, speed REAL NOT NULL, joined TEXT NOT NULL);
                    INSERT INTO jobs VALUES ('j1', 'old', 'name: old', 'completed', 'jt', 3, '2026-01-01T00:00:00Z', NULL);
                    INSERT INTO workers VALUES ('w1', 'laptop', 'h1', NULL, '{}', 250, '2026-01-01T00:00:00Z');
                    """;
                cmd.ExecuteNonQuery();
            }
            var store = new Store(path);
            var before = store.Worker("w1")!;
            Assert.Equal((250.0, (double?)null, (double?)null), (before.Speed, before.MeasuredSpeed, before.MeasuredFlops));
            Assert.Null(store.Jobs().Single().Estimate);

            store.SetWorkerSpeed("w1", 1e6, 120, 1.2e8);
            store.SetJobEstimate("j1", """{"credits":1.5}""");
            var after = store.Worker("w1")!;
            Assert.Equal((1e6, (double?)120, (double?)1.2e8), (after.Speed, after.MeasuredSpeed, after.MeasuredFlops));
            Assert.Equal("""{"credits":1.5}""", store.Jobs().Single().Estimate);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }
}
