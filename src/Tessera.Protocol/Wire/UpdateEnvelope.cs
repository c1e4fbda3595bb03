using System.Globalization;
using System.Text.Json;

namespace Tessera.Protocol.Wire;

/// <summary>
/// A task's result as a safetensors file: one tensor per trainable parameter (the delta, named and shaped like
/// the parameter) plus metadata saying what produced it. The commitment is the head of the worker's
/// <see cref="CommitmentChain"/> (hashes of its weights every k steps and at the end, bound to the task and the
/// worker), and <see cref="Checkpoints"/> are its links, so the coordinator can check the chain before it
/// decides, with randomness the worker cannot see, whether to replay the task.
/// </summary>
public sealed record UpdateEnvelope
{
    public const string Format = "tessera.update.v1";
    public const string FormatKey = "format";

    public required string TaskId { get; init; }
    public required long BaseVersion { get; init; }
    public required long SampleCount { get; init; }
    public required int Steps { get; init; }
    public required float[] LossTrace { get; init; }
    public required string Commitment { get; init; }
    /// <summary>The commitment chain's links (step, sha256 of the weights after it); the last is the final weights.</summary>
    public IReadOnlyList<WeightCheckpoint> Checkpoints { get; init; } = [];
    public double SamplesPerSecond { get; init; }
    /// <summary>The worker's evaluation of the base model on its held-out data, when the task asked for one.</summary>
    public EvaluationReport? Evaluation { get; init; }

    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var m = Metadata();
        if (Evaluation is { } e) m[EvaluationReport.MetadataKey] = e.ToJson();
        return m;
    }

    Dictionary<string, string> Metadata() => new()
    {
        [FormatKey] = Format,
        ["task_id"] = TaskId,
        ["base_version"] = BaseVersion.ToString(CultureInfo.InvariantCulture),
        ["sample_count"] = SampleCount.ToString(CultureInfo.InvariantCulture),
        ["steps"] = Steps.ToString(CultureInfo.InvariantCulture),
        ["loss_trace"] = JsonSerializer.Serialize(LossTrace, WireJson.NonFiniteNumbers) /* a diverged step's loss is NaN */,
        ["commitment"] = Commitment,
        ["checkpoints"] = JsonSerializer.Serialize(Checkpoints.Select(c => new object[] { c.Step, c.Leaf })),
        ["samples_per_second"] = SamplesPerSecond.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the metadata; every missing or malformed key is named in the error.</summary>
    public static UpdateEnvelope FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string Get(string key) => m.TryGetValue(key, out var v) ? v : throw new FormatException($"update metadata lacks '{key}'");
        long Long(string key) => long.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"update metadata '{key}' is not an integer");
        if (Get(FormatKey) != Format) throw new FormatException($"update metadata 'format' must be '{Format}'");
        float[] losses;
        try { losses = JsonSerializer.Deserialize<float[]>(Get("loss_trace"), WireJson.NonFiniteNumbers) ?? []; }
        catch (JsonException) { throw new FormatException("update metadata 'loss_trace' is not a JSON array of numbers"); }
        int steps = checked((int)Long("steps"));
        var checkpoints = m.TryGetValue("checkpoints", out var cp) ? ReadCheckpoints(cp, steps) : [];
        double sps = m.TryGetValue("samples_per_second", out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;
        return new UpdateEnvelope
        {
            TaskId = Get("task_id"), BaseVersion = Long("base_version"), SampleCount = Long("sample_count"), Steps = steps,
            LossTrace = losses, Commitment = Get("commitment"), Checkpoints = checkpoints, SamplesPerSecond = double.IsFinite(sps) ? sps : 0,
            Evaluation = m.TryGetValue(EvaluationReport.MetadataKey, out var e) ? EvaluationReport.Parse(e) : null,
        };
    }

    /// <summary>At most one link per step, steps strictly increasing within 1..steps, leaves 64 hex digits.</summary>
    static List<WeightCheckpoint> ReadCheckpoints(string json, int steps)
    {
        const string Shape = "update metadata 'checkpoints' must be a JSON array of [step, \"sha256 hex\"] pairs";
        JsonElement[] items;
        try { items = JsonSerializer.Deserialize<JsonElement[]>(json) ?? throw new FormatException(Shape); }
        catch (JsonException) { throw new FormatException(Shape); }
        if (items.Length > Math.Max(0, steps)) throw new FormatException($"update metadata 'checkpoints' has {items.Length} links for {steps} steps");
        var list = new List<WeightCheckpoint>(items.Length);
        // GetString throws InvalidOperationException on a lone UTF-16 surrogate escape: still a format error.
        try
        {
            foreach (var item in items)
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2 || !item[0].TryGetInt32(out int step)
                    || item[1].ValueKind != JsonValueKind.String || item[1].GetString() is not { Length: 64 } leaf || !leaf.All(char.IsAsciiHexDigit))
                    throw new FormatException(Shape);
                if (step < 1 || step > steps || (list.Count > 0 && step <= list[^1].Step))
                    throw new FormatException($"update metadata 'checkpoints': step {step} is out of order or outside 1..{steps}");
                list.Add(new WeightCheckpoint(step, leaf.ToLowerInvariant()));
            }
        }
        catch (InvalidOperationException) { throw new FormatException(Shape); }
        return list;
    }
}
