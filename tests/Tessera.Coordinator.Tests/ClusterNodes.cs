using System.Globalization;
using Tessera.Coordinator.Tests.Storage;

namespace Tessera.Coordinator.Tests;

/// <summary>A `tessera serve --cluster` process and the silo port that names it in the cluster.</summary>
sealed record ClusterNode(CoordinatorProcess Process, int SiloPort)
{
    public string Url => Process.Url;

    /// <summary>Whether this node hosts the silo a job snapshot names ("address:port@generation").</summary>
    public bool Hosts(string node) => node.Split('@')[0].EndsWith($":{SiloPort}", StringComparison.Ordinal);
}

/// <summary>Nodes of one cluster sharing one database (SQLite under the data folder, or PostgreSQL) and one blob folder.</summary>
static partial class ClusterNodes
{
    public static ClusterNode Start(TestDatabase db)
    {
        int silo = CoordinatorProcess.FreePort();
        var p = CoordinatorProcess.Start(db.DataDirectory, 0, db.ConnectionString, "--cluster", "--cluster-id", "test",
            "--silo-port", silo.ToString(CultureInfo.InvariantCulture), "--gateway-port", CoordinatorProcess.FreePort().ToString(CultureInfo.InvariantCulture));
        return new ClusterNode(p, silo);
    }

    /// <summary>Updates this node's aggregators folded, from its Prometheus endpoint.</summary>
    public static async Task<long> UpdatesFolded(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync($"{url}/metrics");
        return (long)Math.Max(PrometheusText.Value(text, "tessera_updates_folded_total"), PrometheusText.Value(text, "tessera_updates_folded"));
    }
}
