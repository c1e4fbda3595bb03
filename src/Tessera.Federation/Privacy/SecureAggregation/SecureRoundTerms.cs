using Tessera.Federation.Planning;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// What every party of a job's secure round is told, derived in one place from the job's spec, for the coordinator
/// and the simulator alike: the SecAgg+ parameters (n, k, t, b, length), the L2 clip, the quantization range, the
/// weight cap and, with distributed DP, each client's Skellam share of the noise (variance (z·Δ2)²/m in quantization
/// levels, so the m shares of a full cohort sum to one Skellam of standard deviation z·Δ2; the modulus gets the
/// bits that noise needs).
/// </summary>
public static class SecureRoundTerms
{
    public static SecAggParameters Parameters(JobSpec spec, PrivacyPlan? dp, int modelLength, string jobId, int round, int cohort, int attempt)
    {
        var s = spec.Privacy.SecureAggregation ?? throw new ArgumentException("the job has no privacy.secure_aggregation");
        int bits = SecureQuantizer.BitsWithNoise(s.Bits, cohort, Math.Sqrt(cohort * NoiseVariance(dp, modelLength)));
        return SecAggPlan.Create(jobId, round, cohort, SecureUpdateFormat.LengthFor(modelLength, HasControls(spec)), bits, s.Neighbours, s.Threshold,
            graphSeed: HashCode.Combine(jobId, round, attempt));
    }

    /// <param name="client">This party's number, 1..<paramref name="cohort"/>.</param>
    /// <param name="referenceSteps">FedNova's common step scale (<see cref="ReferenceSteps"/>); 0 for every other strategy.</param>
    /// <param name="controlScale">SCAFFOLD's scale of Δc_i (<see cref="ControlScale"/>); 0 for every other strategy.</param>
    /// <param name="countedUrl">SCAFFOLD: where the worker asks whether its input counted (<see cref="SecureAggregationTask.CountedUrl"/>).</param>
    public static SecureAggregationTask Task(JobSpec spec, PrivacyPlan? dp, int modelLength, string jobId, int round, int attempt, int client, int cohort,
        double weightCap, double clip, string stageUrl, double referenceSteps = 0, double controlScale = 0, string? countedUrl = null)
    {
        if (HasControls(spec) != controlScale > 0) throw new ArgumentException($"strategy {spec.Strategy.Name} with a control scale of {controlScale}", nameof(controlScale));
        return new SecureAggregationTask
        {
            Parameters = Parameters(spec, dp, modelLength, jobId, round, cohort, attempt), Client = client, StageUrl = stageUrl, Clip = clip,
            // A clipped coordinate is within ±C, so nothing is clamped; noise goes on the quantized words.
            Range = clip, QuantizationBits = spec.Privacy.SecureAggregation!.Bits, WeightCap = weightCap, NoiseVariance = NoiseVariance(dp, modelLength),
            ReferenceSteps = referenceSteps, ControlScale = controlScale, CountedUrl = countedUrl,
        };
    }

    /// <summary>Distributed DP: the variance of one client's Skellam share, in levels; 0 otherwise.</summary>
    public static double NoiseVariance(PrivacyPlan? dp, int modelLength)
    {
        if (dp is not { IsDistributed: true }) return 0;
        if (dp.ModelLength != modelLength)
            throw new InvalidOperationException($"the privacy plan was made for {dp.ModelLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} model length, the round masks {modelLength} (JobPlan.ForModel)");
        double total = dp.DistributedNoiseLevels;
        return total * total / dp.ExpectedClients;
    }

    /// <summary>SCAFFOLD masks its control-variate deltas beside the update.</summary>
    public static bool HasControls(JobSpec spec) => spec.Strategy.Name == "scaffold";

    /// <summary>
    /// SCAFFOLD's scale of Δc_i: lr·K turns a control delta into a model update's units (option II: Δc_i = −c − Δy/(K·lr)),
    /// and Δc_i is the difference of two such, so half of lr·K fits it within the update's clip. K is the cohort's largest
    /// step count. 0 for every other strategy.
    /// </summary>
    public static double ControlScale(JobSpec spec, IEnumerable<int> steps) =>
        HasControls(spec) ? spec.Local.LearningRate * Math.Max(1, steps.DefaultIfEmpty(1).Max()) / 2 : 0;

    /// <summary>
    /// FedNova normalizes each update by its local steps; the clients scale to the cohort's largest step count, so a
    /// client that ran the most steps sends its update as it is and the clip keeps its usual meaning. 0 otherwise.
    /// </summary>
    public static double ReferenceSteps(JobSpec spec, IEnumerable<int> steps) =>
        spec.Strategy.Name == "fednova" ? Math.Max(1, steps.DefaultIfEmpty(1).Max()) : 0;

    /// <summary>
    /// DP bounds each client's influence, so the mean is unweighted (0), as SCAFFOLD's and FedBuff's means are;
    /// otherwise clients weigh by samples, up to the largest of the cohort's.
    /// </summary>
    public static double WeightCap(JobSpec spec, PrivacyPlan? dp, IEnumerable<long> samples) =>
        dp is null && !HasControls(spec) && !IsBuffered(spec) ? samples.DefaultIfEmpty(1).Max() : 0;

    /// <summary>FedBuff masks per buffer: its cohort is the buffer's K members, whatever clients_per_round (its concurrency) says.</summary>
    static bool IsBuffered(JobSpec spec) => spec.Strategy.Name == "fedbuff";

    /// <summary>The bound updates are clipped to: DP's (this round's, with adaptive clipping), else privacy.secure_aggregation.clip.</summary>
    public static double Clip(JobSpec spec, IStrategy strategy, GlobalModel model) =>
        strategy is PrivateStrategy dp ? dp.ClipOf(model) : spec.Privacy.SecureClip;
}
