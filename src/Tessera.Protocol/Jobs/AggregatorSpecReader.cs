using System.Text.Json.Nodes;

namespace Tessera.Protocol.Jobs;

/// <summary>
/// Reads `strategy.aggregator:`, a bare rule name or a mapping. Each setting is read only by the rules that use it;
/// naming it for another rule is refused with the rules that do read it.
/// </summary>
internal static class AggregatorSpecReader
{
    const string Path = "strategy.aggregator";

    // Which rules read each rule-specific setting (f is read by nnm and arc as well, whatever the rule).
    static readonly (string Key, string[] Rules)[] Settings =
    [
        ("f", [AggregatorSpec.TrimmedMean, AggregatorSpec.Krum, AggregatorSpec.MultiKrum, AggregatorSpec.Bulyan]),
        ("beta", [AggregatorSpec.TrimmedMean]),
        ("m", [AggregatorSpec.MultiKrum]),
        ("tau", [AggregatorSpec.CenteredClip]),
        ("iterations", [AggregatorSpec.GeoMed, AggregatorSpec.CenteredClip]),
        ("nu", [AggregatorSpec.GeoMed]),
        ("bound", [AggregatorSpec.NormBound]),
    ];

    public static AggregatorSpec Read(JsonNode? node)
    {
        if (node is null) return new AggregatorSpec();
        if (node is JsonValue v)
        {
            var bare = v.TryGetValue<string>(out var s) ? s : v.ToString();
            var name = AggregatorSpec.Names.FirstOrDefault(n => string.Equals(n, bare, StringComparison.OrdinalIgnoreCase))
                ?? throw new JobSpecException(Path, $"'{bare}' is not one of {string.Join(", ", AggregatorSpec.Names)}");
            return new AggregatorSpec { Name = name };
        }
        var a = new SpecReader(node, Path);
        string rule = a.String("name", AggregatorSpec.Mean, AggregatorSpec.Names)!;
        var pre = ReadPre(a.Node("pre"));
        bool preReadsF = pre.Any(p => p.ReadsF);
        foreach (var (key, rules) in Settings)
            if (a.Has(key) && !rules.Contains(rule) && !(key == "f" && preReadsF))
                throw new JobSpecException($"{Path}.{key}", $"only applies to {string.Join(", ", rules)}{(key == "f" ? " or pre: nnm, arc" : "")} (this job's aggregator is {rule})");
        var (tau, adaptiveTau) = NumberOrAdaptive(a, "tau");
        var spec = new AggregatorSpec
        {
            Name = rule,
            F = a.Int("f", null, 0, 1_000_000),
            Beta = a.Double("beta", null, 0, 0.5),
            M = a.Int("m", null, 1, 10_000_000),
            Tau = tau,
            AdaptiveTau = adaptiveTau,
            Iterations = a.Int("iterations", null, 1, 1000),
            Nu = a.Double("nu", null, 0, exclusiveMin: true),
            Bound = NumberOrAdaptive(a, "bound").Value,
            Momentum = a.Double("momentum", null, 0, 1, exclusiveMin: true),
            Pre = pre,
        };
        a.RejectUnknown();
        if (spec.Beta >= 0.5)
            throw new JobSpecException($"{Path}.beta", $"{spec.Beta} would trim every value (β must be below 0.5)");
        if (spec.Momentum >= 1)
            throw new JobSpecException($"{Path}.momentum", $"{spec.Momentum} keeps the first update forever (β must be below 1; 0.9 to 0.99 is usual)");
        if (spec.F is not null && spec.Beta is not null)
            throw new JobSpecException($"{Path}.beta", $"give {Path}.f (values trimmed each side) or beta (the fraction), not both");
        return spec;
    }

    /// <summary>A positive setting that may instead say `adaptive` (tau, bound): the number, or null and true.</summary>
    static (double? Value, bool Adaptive) NumberOrAdaptive(SpecReader a, string key)
    {
        if (string.Equals(a.String(key), "adaptive", StringComparison.OrdinalIgnoreCase)) return (null, true);
        try { return (a.Double(key, null, 0, exclusiveMin: true), false); }
        catch (JobSpecException e) { throw new JobSpecException(e.Field, $"{e.Reason}; give a positive number or adaptive"); }
    }

    static IReadOnlyList<PreAggregationSpec> ReadPre(JsonNode? node)
    {
        if (node is null) return [];
        if (node is not JsonArray steps) throw new JobSpecException($"{Path}.pre", "must be a list of steps (nnm, arc, bucketing or {bucketing: s})");
        var result = new List<PreAggregationSpec>();
        for (int i = 0; i < steps.Count; i++)
        {
            string at = $"{Path}.pre[{i}]";
            switch (steps[i])
            {
                case JsonValue v:
                    var name = v.TryGetValue<string>(out var s) ? s.ToLowerInvariant() : v.ToString();
                    if (!PreAggregationSpec.Names.Contains(name))
                        throw new JobSpecException(at, $"'{name}' is not one of {string.Join(", ", PreAggregationSpec.Names)}");
                    result.Add(new PreAggregationSpec(name));
                    break;
                case JsonObject o when o.Count == 1 && o.ContainsKey(PreAggregationSpec.Bucketing):
                    // Read through a SpecReader so a YAML string "3" and a JSON 3 are checked alike.
                    int size = new SpecReader(o, at).Int(PreAggregationSpec.Bucketing, null, 1, 100_000)
                        ?? throw new JobSpecException($"{at}.bucketing", "needs the bucket size s");
                    result.Add(new PreAggregationSpec(PreAggregationSpec.Bucketing, size));
                    break;
                case JsonObject o:
                    throw new JobSpecException(at, o.Count == 1 && (o.ContainsKey(PreAggregationSpec.Nnm) || o.ContainsKey(PreAggregationSpec.Arc))
                        ? $"{o.First().Key} takes no settings of its own (it uses {Path}.f)"
                        : "must be nnm, arc, bucketing or {bucketing: s}, one step per item");
                default:
                    throw new JobSpecException(at, "must be nnm, arc, bucketing or {bucketing: s}");
            }
        }
        return result;
    }
}
