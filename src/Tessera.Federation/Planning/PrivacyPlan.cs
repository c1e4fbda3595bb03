using System.Globalization;
using Tessera.Federation.Privacy;
using Tessera.Federation.Privacy.Accounting;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>
/// What `privacy.dp` decides, for the simulator and the coordinator alike: the noise multiplier (given, or solved
/// for target_epsilon over the job's rounds), the round's sampled Gaussian (m of N clients, fixed-size or Poisson),
/// the most rounds the budget affords, and the ε spent after any number of rounds. The unit of privacy is a client
/// (user-level DP): N is data.clients, m is clients_per_round.
/// Distributed noise is the clients' Skellam shares on the quantized sum, charged as such; its accounting needs the
/// model's length (the rounding's share of the sensitivity), so <see cref="JobPlan.ForModel"/> makes the plan again
/// once the model is known.
/// </summary>
public sealed class PrivacyPlan
{
    PrivacyPlan(DpSpec spec, double z, int m, int population, SampledGaussian step, long maxRounds, int? modelLength)
    {
        Spec = spec;
        NoiseMultiplier = z;
        ExpectedClients = m;
        Population = population;
        Step = step;
        MaxRounds = maxRounds;
        ModelLength = modelLength;
    }

    public DpSpec Spec { get; }
    public double NoiseMultiplier { get; }
    public int ExpectedClients { get; }
    public int Population { get; }
    /// <summary>One round as the accountant sees it. Local mode: one participation of one client (q = 1, sensitivity 2C).</summary>
    public SampledGaussian Step { get; }
    /// <summary>Rounds the budget affords: long.MaxValue without a target (the job's rounds then decide).</summary>
    public long MaxRounds { get; }

    public bool IsLocal => Spec.Mode == DpSpec.Local;
    public bool IsDistributed => Spec.Mode == DpSpec.Distributed;

    /// <summary>The model length the plan was made for; null before the model is known.</summary>
    public int? ModelLength { get; }

    /// <summary>
    /// Distributed mode: the standard deviation, in quantization levels, of a full cohort's summed Skellam shares,
    /// z·Δ2 (<see cref="SampledGaussian.Skellam"/>); each of the m clients adds variance (z·Δ2)²/m.
    /// </summary>
    public double DistributedNoiseLevels => Step.Skellam is { } lattice ? NoiseMultiplier * lattice.L2
        : throw new InvalidOperationException("distributed noise is planned once the model's length is known (JobPlan.ForModel)");

    public DpMechanism Mechanism => new(Spec.Clip, NoiseMultiplier, ExpectedClients,
        Spec.AdaptiveClip is { } a ? new AdaptiveClipping(a.Quantile, a.LearningRate, a.CountNoise ?? AdaptiveClipping.DefaultCountNoise(ExpectedClients)) : null,
        AtServer: Spec.Mode == DpSpec.Central);

    /// <summary>
    /// ε(δ) after <paramref name="rounds"/> rounds: of the job (central, distributed), or, in local mode, of a client
    /// that took part in that many rounds.
    /// </summary>
    public PrivacySpent SpentAfter(long rounds) => new RdpAccountant().EpsilonAfter(Step, rounds, Spec.Delta);

    /// <summary>
    /// ε(δ) of the rounds that made <paramref name="model"/>, dropout-aware: a distributed round whose sum held only s
    /// &lt; m noise shares had noise multiplier z·√(s/m) and is charged as such (<see cref="PrivateStrategy.ShortRounds"/>).
    /// With every round as planned this is <see cref="SpentAfter"/>(version).
    /// </summary>
    public PrivacySpent SpentBy(GlobalModel model) => History(model).Epsilon(Spec.Delta);

    /// <summary>Whether one more round as planned would take <paramref name="model"/>'s ε past target_epsilon (false without a target).</summary>
    public bool Exhausted(GlobalModel model) =>
        Spec.TargetEpsilon is { } target && History(model).WouldExceed(Step, target, Spec.Delta);

    /// <summary>One round's step when the sum held only <paramref name="shares"/> of the m noise shares.</summary>
    public SampledGaussian StepWith(int shares) => Step with { NoiseMultiplier = NoiseMultiplier * Math.Sqrt(Math.Clamp(shares, 0, ExpectedClients) / (double)ExpectedClients) };

    RdpAccountant History(GlobalModel model)
    {
        var shorts = PrivateStrategy.ShortRounds(model);
        var accountant = new RdpAccountant().Compose(Step, Math.Max(0, model.Version - shorts.Count));
        foreach (var s in shorts) accountant.Compose(StepWith((int)s));
        return accountant;
    }

    /// <summary>Why a job stopped at <paramref name="model"/>'s version short of its last round; null unless the budget stopped it.</summary>
    public string? StopReason(GlobalModel model, int jobRounds) =>
        Spec.TargetEpsilon is { } target && (model.Version >= MaxRounds || Exhausted(model)) && model.Version < jobRounds
            ? string.Create(CultureInfo.InvariantCulture, $"privacy budget: ε = {SpentBy(model).Epsilon:G4} after round {model.Version}, and one more round would pass target ε = {target:G4} (δ = {Spec.Delta:G3})")
            : null;

    /// <summary>The plan, or null for a job without DP; throws <see cref="JobSpecException"/> when the budget cannot be met.</summary>
    /// <param name="modelLength">The model's parameter count; distributed noise is accounted as Skellam only with it.</param>
    public static PrivacyPlan? From(JobSpec spec, int? modelLength = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Privacy.Dp is not { } dp) return null;
        int m = spec.ClientsPerRound ?? throw new JobSpecException("clients_per_round", "privacy.dp needs it");
        int n = spec.Data.Clients;
        bool local = dp.Mode == DpSpec.Local;
        var sampling = dp.Sampling == DpSpec.Poisson ? Sampling.Poisson : Sampling.FixedSize;
        // Local: each update is a Gaussian mechanism of its own, σ = z·C over a replace-one sensitivity of 2C (q = 1).
        // Distributed: the sensitivity of the quantized update, in levels.
        var lattice = dp.Mode == DpSpec.Distributed && modelLength is { } d && spec.Privacy.SecureAggregation is { } secure
            ? SkellamSensitivity.OfQuantized(secure.Bits, d) : null;
        SampledGaussian StepFor(double z) => local ? SampledGaussian.Poisson(1, z / 2)
            : (sampling == Sampling.Poisson ? SampledGaussian.Poisson(m / (double)n, z) : SampledGaussian.FixedSize(m, n, z)) with { Skellam = lattice };

        double noise;
        if (dp.NoiseMultiplier is { } given) noise = given;
        else
        {
            var solved = NoiseCalibration.NoiseMultiplier(StepFor(0), dp.TargetEpsilon!.Value, spec.Rounds, dp.Delta)
                ?? throw new JobSpecException("privacy.dp.target_epsilon", $"no practical noise multiplier reaches ε = {dp.TargetEpsilon} over {spec.Rounds} rounds");
            noise = local ? 2 * solved : solved;
        }
        var step = StepFor(noise);
        long max = long.MaxValue;
        if (dp.TargetEpsilon is { } target)
        {
            max = NoiseCalibration.MaxSteps(step, target, dp.Delta);
            if (max == 0)
                throw new JobSpecException("privacy.dp.target_epsilon", string.Create(CultureInfo.InvariantCulture,
                    $"one round at privacy.dp.noise_multiplier {noise:G4} already spends ε = {new RdpAccountant().EpsilonAfter(step, 1, dp.Delta).Epsilon:G4}"));
        }
        var plan = new PrivacyPlan(dp, noise, m, n, step, max, modelLength);
        if (lattice is not null)
        {
            int q = spec.Privacy.SecureAggregation!.Bits, bits = SecureQuantizer.BitsWithNoise(q, m, plan.DistributedNoiseLevels);
            if (bits > 32)
                throw new JobSpecException("privacy.secure_aggregation.bits", string.Create(CultureInfo.InvariantCulture,
                    $"{q} bits for {m} clients with distributed noise of multiplier {noise:G4} need a {bits}-bit modulus to sum without wrapping; the most is 32 (lower the bits)"));
        }
        if (plan.Spec.AdaptiveClip is not null)
        {
            try { _ = plan.Mechanism.UpdateNoiseMultiplier; }
            catch (ArgumentException e) { throw new JobSpecException("privacy.dp.adaptive_clip.count_noise", e.Message); }
        }
        return plan;
    }
}
