using System.Text.Json;

namespace Tessera.Runtime;

/// <summary>Sums an ONNX Runtime profile (Chrome trace JSON) by op type: where a training step spends its time.</summary>
public static class OpProfile
{
    public sealed record Entry(string OpType, double Milliseconds, int Calls);

    public static IReadOnlyList<Entry> Summarize(string profileJson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(profileJson));
        var totals = new Dictionary<string, (double Us, int Calls)>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.TryGetProperty("args", out var args)) continue;
            if (!args.TryGetProperty("op_name", out var op)) continue;
            var name = e.GetProperty("name").GetString() ?? "";
            if (!name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            var key = op.GetString()!;
            var (us, calls) = totals.GetValueOrDefault(key);
            totals[key] = (us + e.GetProperty("dur").GetDouble(), calls + 1);
        }
        return totals.Select(kv => new Entry(kv.Key, kv.Value.Us / 1000, kv.Value.Calls)).OrderByDescending(e => e.Milliseconds).ToList();
    }
}
