namespace Tessera.Protocol.Jobs;

/// <summary>
/// The `privacy:` section: secure aggregation (the coordinator sees only the sum of masked updates) and
/// differential privacy (clipping, noise, and a budget the job stops at). docs/PRIVACY.md.
/// </summary>
public sealed record PrivacySpec
{
    /// <summary>SecAgg+ (Bell et al. 2020): workers mask their updates so only the round's sum is revealed; null: off.</summary>
    public SecureAggregationSpec? SecureAggregation { get; init; }
    /// <summary>Differential privacy; null: none.</summary>
    public DpSpec? Dp { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsOff => SecureAggregation is null && Dp is null;

    /// <summary>The L2 bound a secure round clips updates to: privacy.dp.clip when DP is on, else the section's own.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double SecureClip => Dp?.Clip ?? SecureAggregation?.Clip ?? SecureAggregationSpec.DefaultClip;
}

/// <summary>
/// `secure_aggregation: true`, or a mapping of its settings. Each client's update is clipped to an L2 bound, quantized
/// with <see cref="Bits"/> bits, and shared with k neighbours of which t must stay to unmask it.
/// </summary>
public sealed record SecureAggregationSpec
{
    public const double DefaultClip = 10;
    public const int DefaultBits = 20;

    /// <summary>The L2 bound without DP (with DP, privacy.dp.clip is the bound); set it above the updates' norms: the round reports how many it clipped.</summary>
    public double? Clip { get; init; }
    /// <summary>Quantization bits per coordinate; the modulus adds ⌈log2 n⌉ + 1 and must stay within 32.</summary>
    public int Bits { get; init; } = DefaultBits;
    /// <summary>k, each client's share holders; null: O(log n) from the cohort (docs/PRIVACY.md).</summary>
    public int? Neighbours { get; init; }
    /// <summary>t, the shares needed to unmask a client; null: a strict majority of k.</summary>
    public int? Threshold { get; init; }
    /// <summary>How long the key stages and the unmask stage wait for clients before going on without them.</summary>
    public double StageSeconds { get; init; } = 30;
}

/// <summary>
/// DP-FedAvg (McMahan et al. 2018): each update clipped to L2 norm <see cref="Clip"/>, an unweighted mean over the
/// expected cohort (clients_per_round), Gaussian noise of σ = z·C/m once per round.
/// </summary>
public sealed record DpSpec
{
    public const string Central = "central";
    public const string Distributed = "distributed";
    public const string Local = "local";
    public static readonly string[] Modes = [Central, Distributed, Local];

    public const string Poisson = "poisson";
    public const string Fixed = "fixed";
    public static readonly string[] Samplings = [Poisson, Fixed];

    /// <summary>central: the server clips and adds the noise; distributed: clients clip and add shares of it under secure aggregation; local: each client clips and noises its own update.</summary>
    public string Mode { get; init; } = Central;
    /// <summary>The L2 clipping bound C (the starting bound with adaptive clipping).</summary>
    public double Clip { get; init; } = 1.0;
    /// <summary>Andrew et al. 2021: C follows a quantile of the update norms; null keeps C fixed.</summary>
    public AdaptiveClipSpec? AdaptiveClip { get; init; }
    /// <summary>z: the noise's standard deviation over the clipping bound. Null: solved from target_epsilon over the job's rounds.</summary>
    public double? NoiseMultiplier { get; init; }
    /// <summary>The job stops before a round would take its ε(δ) past this.</summary>
    public double? TargetEpsilon { get; init; }
    public double Delta { get; init; } = 1e-5;
    /// <summary>How a round's cohort is drawn, and so which amplification the accountant applies: fixed-size (m of N, without replacement) or Poisson (each client with q = m/N).</summary>
    public string Sampling { get; init; } = Fixed;
}

/// <summary>Adaptive clipping: C ← C·exp(−η(b̄ − γ)), b̄ the noised fraction of updates that were not clipped.</summary>
public sealed record AdaptiveClipSpec
{
    /// <summary>γ: the fraction of updates that should fall under the bound.</summary>
    public double Quantile { get; init; } = 0.5;
    /// <summary>η, the geometric step.</summary>
    public double LearningRate { get; init; } = 0.2;
    /// <summary>σ_b of the noise on the count of unclipped updates; null: m/20 as Andrew et al. suggest.</summary>
    public double? CountNoise { get; init; }
}
