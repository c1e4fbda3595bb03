using Dapper;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Cluster;

/// <summary>
/// Finds a worker session by its token hash in the shared database, so a worker that joined at one node is
/// accepted by every node (each node caches the sessions it has seen).
/// </summary>
public sealed class SessionLookup(ClusterDatabase db)
{
    public WorkerRow? ByTokenHash(string tokenHash)
    {
        using var c = db.Open();
        return c.QueryFirstOrDefault<WorkerRow>("SELECT id AS Id, name AS Name, token_hash AS TokenHash, scope_job AS ScopeJob, capabilities AS Capabilities, speed AS Speed, joined AS Joined FROM workers WHERE token_hash = @tokenHash", new { tokenHash });
    }
}
