using System.Globalization;
using System.Text.Json;

namespace Tessera.Protocol.Wire;

/// <summary>
/// A worker's evaluation of the global model its task started from, on its own held-out data (federated evaluation):
/// counts and means only, never the data. Travels in the update's metadata under "evaluation".
/// </summary>
public sealed record EvaluationReport(long Samples, double Loss, double? Accuracy, IReadOnlyDictionary<string, double> Metrics)
{
    public const string MetadataKey = "evaluation";
    /// <summary>Metric names a report may carry (so a stranger cannot invent columns).</summary>
    public static readonly string[] KnownMetrics = ["auc", "f1", "mse", "mae", "perplexity"];

    public string ToJson() => JsonSerializer.Serialize(new Wire(Samples, Loss, Accuracy, Metrics.ToDictionary()), WireJson.NonFiniteNumbers);

    /// <summary>Reads and validates a report; anything malformed, non-finite or out of range is a <see cref="FormatException"/>.</summary>
    public static EvaluationReport Parse(string json)
    {
        Wire? w;
        try { w = JsonSerializer.Deserialize<Wire>(json, WireJson.NonFiniteNumbers); }
        catch (Exception e) when (e is JsonException or InvalidOperationException /* a lone surrogate escape */)
        { throw new FormatException($"update metadata 'evaluation' is not a valid report: {e.Message}"); }
        if (w is null) throw new FormatException("update metadata 'evaluation' is empty");
        if (w.Samples is < 1 or > 1_000_000_000) throw new FormatException($"evaluation samples {w.Samples} is out of range (1..1e9)");
        if (!double.IsFinite(w.Loss) || w.Loss < 0) throw new FormatException($"evaluation loss {w.Loss.ToString(CultureInfo.InvariantCulture)} is not a finite non-negative number");
        if (w.Accuracy is { } a && (!double.IsFinite(a) || a < 0 || a > 1)) throw new FormatException("evaluation accuracy must be in [0, 1]");
        var metrics = w.Metrics ?? [];
        foreach (var (k, v) in metrics)
        {
            if (!KnownMetrics.Contains(k)) throw new FormatException($"evaluation metric '{k}' is not one of {string.Join(", ", KnownMetrics)}");
            if (!double.IsFinite(v) || v < 0) throw new FormatException($"evaluation metric '{k}' is not a finite non-negative number");
        }
        return new EvaluationReport(w.Samples, w.Loss, w.Accuracy, metrics);
    }

    sealed record Wire(long Samples, double Loss, double? Accuracy, Dictionary<string, double>? Metrics);
}
