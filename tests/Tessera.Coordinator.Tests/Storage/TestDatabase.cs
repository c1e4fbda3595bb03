using Npgsql;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Tests.Storage;

/// <summary>
/// A fresh, empty database for one test: a SQLite file in a temporary folder, or a PostgreSQL database with a unique
/// name on the server named by TESSERA_TEST_POSTGRES, dropped afterwards.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public const string Sqlite = "sqlite", Postgres = "postgres";
    readonly string? _postgresName;

    /// <summary>Folder for the SQLite file and blobs.</summary>
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("tessera-store-").FullName;
    /// <summary>What `tessera serve --db` gets: null for SQLite.</summary>
    public string? ConnectionString { get; }
    public DatabaseLocation Location => DatabaseLocation.Parse(ConnectionString, DataDirectory);

    public TestDatabase(string backend)
    {
        if (backend == Sqlite) return;
        if (backend != Postgres) throw new ArgumentException($"unknown backend {backend}", nameof(backend));
        _postgresName = $"tessera_test_{Guid.NewGuid():N}";
        using (var admin = PostgresServer.Connect())
        using (var create = new NpgsqlCommand($"CREATE DATABASE {_postgresName}", admin))
            create.ExecuteNonQuery();
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = _postgresName }.ConnectionString;
    }

    public Store OpenStore() => new(Location);

    public void Dispose()
    {
        if (_postgresName is not null)
        {
            // Pooled connections of this process would hold the database open; FORCE ends those of killed coordinators.
            NpgsqlConnection.ClearAllPools();
            using var admin = PostgresServer.Connect();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", admin);
            drop.ExecuteNonQuery();
        }
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { }
    }
}

/// <summary>The PostgreSQL server the tests use. Missing is a failure, never a skip: the tests would prove nothing.</summary>
static class PostgresServer
{
    public const string Variable = "TESSERA_TEST_POSTGRES";

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s
        ? s
        : throw new InvalidOperationException(
            $"{Variable} is not set: run `export {Variable}=\"$(scripts/postgres.sh)\"` (it starts a local PostgreSQL and prints a connection string), or run scripts/test.sh");

    public static NpgsqlConnection Connect()
    {
        var c = new NpgsqlConnection(ConnectionString);
        try { c.Open(); }
        catch (NpgsqlException e)
        {
            c.Dispose();
            throw new InvalidOperationException($"cannot reach the PostgreSQL server in {Variable} ({e.Message}): run scripts/postgres.sh to start it", e);
        }
        return c;
    }
}
