using System.Text.Json.Serialization;

namespace Tessera.Protocol.Jobs;

/// <summary>
/// How a round's updates are combined (`strategy.aggregator:`): the plain mean, or a Byzantine-robust rule, with
/// optional client momentum and pre-aggregation steps. A bare name (`aggregator: median`) takes every default.
/// Settings a rule does not read are refused, not ignored. docs/ROBUSTNESS.md describes each rule.
/// </summary>
[JsonConverter(typeof(AggregatorSpecJsonConverter))]
public sealed record AggregatorSpec
{
    public const string Mean = "mean", Median = "median", TrimmedMean = "trimmed_mean", Krum = "krum", MultiKrum = "multi_krum",
        Bulyan = "bulyan", GeoMed = "geomed", CenteredClip = "centered_clip", NormBound = "norm_bound";
    public static readonly string[] Names = [Mean, Median, TrimmedMean, Krum, MultiKrum, Bulyan, GeoMed, CenteredClip, NormBound];

    /// <summary>Default β of the trimmed mean when neither f nor beta is given: a tenth trimmed each side.</summary>
    public const double DefaultTrim = 0.1;
    /// <summary>Default f of the rules that need it: one Byzantine client per round.</summary>
    public const int DefaultF = 1;
    public const int DefaultIterations = 10, DefaultCenteredClipIterations = 1;
    public const double DefaultNu = 1e-6, DefaultTau = 1.0;

    public string Name { get; init; } = Mean;
    /// <summary>Byzantine updates tolerated per round (trimmed_mean: values trimmed each side; krum, multi_krum, bulyan, nnm).</summary>
    public int? F { get; init; }
    /// <summary>trimmed_mean: fraction trimmed each side, in [0, 0.5).</summary>
    public double? Beta { get; init; }
    /// <summary>multi_krum: updates averaged; null is n − f.</summary>
    public int? M { get; init; }
    /// <summary>centered_clip: clipping radius τ around the centre (null with <see cref="AdaptiveTau"/> false is the default).</summary>
    public double? Tau { get; init; }
    /// <summary>centered_clip `tau: adaptive`: τ is the median distance of the updates to the centre, each iteration.</summary>
    public bool AdaptiveTau { get; init; }
    /// <summary>geomed: Weiszfeld iterations; centered_clip: clipping iterations L.</summary>
    public int? Iterations { get; init; }
    /// <summary>geomed: smoothing ν of the Weiszfeld weights.</summary>
    public double? Nu { get; init; }
    /// <summary>norm_bound: the fixed bound; null is adaptive (the cohort's median norm).</summary>
    public double? Bound { get; init; }
    /// <summary>Client momentum β in (0, 1), applied on the server before aggregation; null is none.</summary>
    public double? Momentum { get; init; }
    /// <summary>Pre-aggregation steps, applied in order before the rule.</summary>
    public IReadOnlyList<PreAggregationSpec> Pre { get; init; } = [];

    /// <summary>The streaming FedAvg mean, with nothing before it: no buffering needed.</summary>
    [JsonIgnore]
    public bool IsPlainMean => Name == Mean && Momentum is null && Pre.Count == 0;

    /// <summary>The f a rule, nnm or arc uses when it needs one.</summary>
    [JsonIgnore]
    public int Byzantine => F ?? DefaultF;

    /// <summary>One line for status pages: the rule and the settings given, e.g. "centered_clip (tau adaptive, momentum 0.9, pre nnm)".</summary>
    [JsonIgnore]
    public string Summary
    {
        get
        {
            var parts = new List<string>();
            void Add(string key, object? value) { if (value is not null) parts.Add(FormattableString.Invariant($"{key} {value}")); }
            Add("f", F); Add("beta", Beta); Add("m", M);
            Add("tau", AdaptiveTau ? "adaptive" : Tau);
            Add("iterations", Iterations); Add("nu", Nu); Add("bound", Bound); Add("momentum", Momentum);
            if (Pre.Count > 0) parts.Add("pre " + string.Join(", ", Pre.Select(p => p.BucketSize is { } s ? $"{p.Name} {s}" : p.Name)));
            return parts.Count == 0 ? Name : $"{Name} ({string.Join(", ", parts)})";
        }
    }

    /// <summary>Nothing set but the name: written back as the bare name.</summary>
    [JsonIgnore]
    public bool IsBare => this == new AggregatorSpec { Name = Name };

    // The steps compare by content, so a spec read back from its JSON equals the spec.
    public bool Equals(AggregatorSpec? other) =>
        other is not null && Name == other.Name && F == other.F && Beta == other.Beta && M == other.M && Tau == other.Tau && AdaptiveTau == other.AdaptiveTau &&
        Iterations == other.Iterations && Nu == other.Nu && Bound == other.Bound && Momentum == other.Momentum && Pre.SequenceEqual(other.Pre);

    public override int GetHashCode() => HashCode.Combine(Name, F, Beta, M, Tau, Iterations, HashCode.Combine(Nu, Bound, Momentum, Pre.Count, AdaptiveTau));
}

/// <summary>
/// A pre-aggregation step: nnm (nearest-neighbour mixing) or arc (adaptive robust clipping), both with the aggregator's
/// f, or bucketing (buckets of <see cref="BucketSize"/>).
/// </summary>
public sealed record PreAggregationSpec(string Name, int? BucketSize = null)
{
    public const string Nnm = "nnm", Bucketing = "bucketing", Arc = "arc";
    public static readonly string[] Names = [Nnm, Bucketing, Arc];
    /// <summary>True for the steps that read strategy.aggregator.f.</summary>
    public bool ReadsF => Name is Nnm or Arc;
    public const int DefaultBucketSize = 2;
}
