using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// Which database the store lives in: the SQLite file under the data folder unless a PostgreSQL connection string
/// (key-value, or a postgres:// URI) is given. <see cref="Description"/> names it without any password, for logs and
/// errors.
/// </summary>
public sealed record DatabaseLocation(SqlDialect Dialect, string ConnectionString, string Description)
{
    public const string SqliteFileName = "tessera.db";

    public static DatabaseLocation SqliteFile(string path) =>
        new(SqlDialect.Sqlite, new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString(), $"SQLite file {path}");

    /// <summary>Reads `--db` / <see cref="CoordinatorOptions.Database"/>; null or blank means SQLite under <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="DatabaseException">the string is not a usable PostgreSQL connection string</exception>
    public static DatabaseLocation Parse(string? database, string dataDirectory)
    {
        if (string.IsNullOrWhiteSpace(database)) return SqliteFile(Path.Combine(dataDirectory, SqliteFileName));
        var builder = database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
                      database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? PostgresUri.ToBuilder(database)
            : KeyValue(database);
        if (string.IsNullOrWhiteSpace(builder.Host))
            throw new DatabaseException("a PostgreSQL connection string needs Host=... (or use postgres://user:password@host/database); leave it out to use SQLite under --data");
        // 5432 is PostgreSQL's (and Npgsql's) default port.
        string where = $"{builder.Host}{(builder.Port == 5432 ? "" : $":{builder.Port}")}";
        string description = $"PostgreSQL database {builder.Database ?? builder.Username ?? "(default)"} at {where}{(builder.Username is { } u ? $" as {u}" : "")}";
        return new(SqlDialect.Postgres, builder.ConnectionString, description);
    }

    static NpgsqlConnectionStringBuilder KeyValue(string database)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(database);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new DatabaseException($"not a PostgreSQL connection string (Host=...;Database=...;Username=...) or postgres:// URI: {e.Message}");
        }
    }
}

/// <summary>The store's database could not be configured or reached; the message says why, without secrets.</summary>
public sealed class DatabaseException(string message, Exception? inner = null) : Exception(message, inner);
