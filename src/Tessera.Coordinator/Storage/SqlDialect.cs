using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tessera.Coordinator.Storage;

public enum StoreBackend { Sqlite, Postgres }

/// <summary>
/// What differs between the store's two databases; everything else (queries, upserts, transactions) is shared SQL.
/// Tables added by other parts of the coordinator (cluster membership, ...) should take their column types from here.
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect Sqlite { get; } = new SqliteDialect();
    public static SqlDialect Postgres { get; } = new PostgresDialect();

    public abstract StoreBackend Backend { get; }
    /// <summary>64-bit integer column type (SQLite's INTEGER is 64-bit; PostgreSQL's is 32-bit).</summary>
    public abstract string BigInt { get; }
    /// <summary>Double-precision column type (PostgreSQL's REAL is single precision).</summary>
    public abstract string Double { get; }
    /// <summary>An auto-numbered 64-bit primary key column, numbered in insertion order.</summary>
    public abstract string Identity { get; }

    /// <summary>A new, open connection with this database's per-connection settings applied.</summary>
    public abstract DbConnection Connect(string connectionString);

    /// <summary>Database-wide settings, run once before the schema (outside any transaction).</summary>
    public virtual void Prepare(DbConnection c) { }

    /// <summary>
    /// Run first in the schema transaction so that nodes starting together do not race on CREATE TABLE IF NOT
    /// EXISTS (PostgreSQL can fail such a race with a unique violation in its catalog; SQLite's write lock already
    /// serializes it).
    /// </summary>
    public virtual void LockSchema(DbConnection c, DbTransaction tx) { }

    sealed class SqliteDialect : SqlDialect
    {
        public override StoreBackend Backend => StoreBackend.Sqlite;
        public override string BigInt => "INTEGER";
        public override string Double => "REAL";
        public override string Identity => "INTEGER PRIMARY KEY AUTOINCREMENT";

        public override DbConnection Connect(string connectionString)
        {
            var c = new SqliteConnection(connectionString);
            c.Open();
            // Writers from several connections (and processes) wait for each other instead of failing at once.
            c.Execute("PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;");
            return c;
        }

        public override void Prepare(DbConnection c) => c.Execute("PRAGMA journal_mode=WAL;");
    }

    sealed class PostgresDialect : SqlDialect
    {
        public override StoreBackend Backend => StoreBackend.Postgres;
        public override string BigInt => "BIGINT";
        public override string Double => "DOUBLE PRECISION";
        public override string Identity => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

        public override DbConnection Connect(string connectionString)
        {
            var c = new NpgsqlConnection(connectionString);
            c.Open();
            return c;
        }

        // Any fixed key works; it only has to be the same for every coordinator sharing the database.
        const long SchemaLockKey = 0x7e55e7a;

        public override void LockSchema(DbConnection c, DbTransaction tx) =>
            c.Execute("SELECT pg_advisory_xact_lock(@key)", new { key = SchemaLockKey }, tx);
    }
}
