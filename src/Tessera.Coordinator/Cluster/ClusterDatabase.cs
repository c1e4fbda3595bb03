using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// Connections on the coordinator's shared database for the cluster's own tables (membership) and lookups that
/// every node must answer the same way (sessions by token hash). Kept apart from <see cref="Storage.Store"/>'s
/// queries; the SQL used over it is portable (SQLite and PostgreSQL).
/// </summary>
public sealed class ClusterDatabase(Func<DbConnection> open)
{
    /// <summary>The SQLite file several processes on one machine share (WAL mode is set by the store).</summary>
    public static ClusterDatabase Sqlite(string path)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        return new ClusterDatabase(() =>
        {
            var c = new SqliteConnection(cs);
            c.Open();
            // Nodes write the same file; waiting for the lock beats failing a membership write.
            c.Execute("PRAGMA busy_timeout=10000;");
            return c;
        });
    }

    public DbConnection Open() => open();
}
