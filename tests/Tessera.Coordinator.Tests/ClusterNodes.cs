using System.Globalization;
using System.Text.RegularExpressions;

namespace Tessera.Coordinator.Tests;

/// <summary>`tessera serve --cluster` processes sharing one data folder (one SQLite database, one blob folder).</summary>
static partial class ClusterNodes
{
    public static CoordinatorProcess Start(string data) =>
        CoordinatorProcess.Start(data, 0, "--cluster", "--cluster-id", "test",
            "--silo-port", CoordinatorProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", CoordinatorProcess.FreePort().ToString(CultureInfo.InvariantCulture));

    /// <summary>Updates this node's aggregators folded, from its Prometheus endpoint.</summary>
    public static async Task<long> UpdatesFolded(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync($"{url}/metrics");
        var m = FoldedLine().Match(text);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^tessera_updates_folded(?:_total)?(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex FoldedLine();
}
