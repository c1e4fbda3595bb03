using System.Data.Common;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// Connections on the coordinator's shared database (SQLite or PostgreSQL, whichever the store uses) for the
/// cluster's own tables (membership) and lookups every node must answer the same way (sessions by token hash).
/// Kept apart from <see cref="Store"/>'s queries; column types that differ come from the store's dialect.
/// </summary>
public sealed class ClusterDatabase(Func<DbConnection> open, SqlDialect dialect)
{
    public static ClusterDatabase Of(Store store) => new(store.Open, store.Dialect);

    public SqlDialect Dialect => dialect;

    public DbConnection Open() => open();
}
