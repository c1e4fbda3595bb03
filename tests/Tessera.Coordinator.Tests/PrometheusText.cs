using System.Globalization;

namespace Tessera.Coordinator.Tests;

/// <summary>Reads one metric from a Prometheus text exposition (the coordinator's /metrics).</summary>
public static class PrometheusText
{
    /// <summary>The value of the first sample named <paramref name="name"/> (labels ignored), or 0 when absent.</summary>
    public static double Value(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (rest.StartsWith('{')) rest = rest[(rest.IndexOf('}') + 1)..];
            else if (!rest.StartsWith(' ')) continue; // a longer name with this prefix
            // "value" or "value timestamp"
            return double.Parse(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
