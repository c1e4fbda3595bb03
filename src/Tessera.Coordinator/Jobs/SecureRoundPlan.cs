using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// A task's place in a secure round: its client number, the cohort size, the samples at which a client's weight is 1
/// (0: unweighted), and the L2 bound it clips to (with adaptive clipping, this round's).
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record SecureSlot(int Client, int Cohort, int Attempt, double WeightCap, double Clip);

/// <summary>
/// What every party of a job's secure round is told, derived in one place from the job's setup: the SecAgg+
/// parameters (n, k, t, b, length), the L2 clip, the quantization range and, with distributed DP, each client's
/// share of the noise (σ_i = z·C/√m, so the m shares of a full cohort sum to the central N(0, (z·C)²)).
/// </summary>
public static class SecureRoundPlan
{
    /// <summary>Numbers a round's tasks 1..n (their <see cref="SecureSlot"/>s) and opens its SecAgg+ round.</summary>
    public static SecureRound Open(JobSetup setup, string jobId, RoundState r, Federation.GlobalModel model, DateTimeOffset now)
    {
        var tasks = r.Tasks.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
        // DP bounds each client's influence, so the mean is unweighted; otherwise clients weigh by samples, up to the largest task's.
        double cap = setup.Plan.Privacy is null ? tasks.Max(t => t.Samples) : 0;
        double clip = setup.Strategy is Federation.Privacy.PrivateStrategy dp ? dp.ClipOf(model) : setup.Spec.Privacy.SecureClip;
        for (int i = 0; i < tasks.Count; i++) tasks[i].Secure = new SecureSlot(i + 1, tasks.Count, r.Attempt, cap, clip);
        var slot = tasks[0].Secure!;
        var format = new SecureUpdateFormat((int)setup.Template.Count, Task(setup, jobId, r.Round, slot, ""));
        return new SecureRound(Parameters(setup, jobId, r.Round, slot), format, tasks.Select(t => (t.Id, t.Secure!.Client)), now,
            TimeSpan.FromSeconds(setup.Spec.Privacy.SecureAggregation!.StageSeconds), r.Deadline);
    }

    public static SecAggParameters Parameters(JobSetup setup, string jobId, int round, SecureSlot slot)
    {
        var s = setup.Spec.Privacy.SecureAggregation!;
        int bits = SecureQuantizer.BitsFor(s.Bits, slot.Cohort);
        return SecAggPlan.Create(jobId, round, slot.Cohort, SecureUpdateFormat.LengthFor((int)setup.Template.Count), bits, s.Neighbours, s.Threshold,
            graphSeed: HashCode.Combine(jobId, round, slot.Attempt));
    }

    public static SecureAggregationTask Task(JobSetup setup, string jobId, int round, SecureSlot slot, string stageUrl)
    {
        var spec = setup.Spec.Privacy;
        double clip = slot.Clip;
        double noise = setup.Plan.Privacy is { Spec.Mode: Protocol.Jobs.DpSpec.Distributed } dp ? dp.NoiseMultiplier * clip / Math.Sqrt(dp.ExpectedClients) : 0;
        return new SecureAggregationTask
        {
            Parameters = Parameters(setup, jobId, round, slot), Client = slot.Client, StageUrl = stageUrl, Clip = clip,
            // A clipped coordinate is within ±C; its noise share within ±5σ but for one in ~3.5 million.
            Range = clip + 5 * noise, QuantizationBits = spec.SecureAggregation!.Bits, WeightCap = slot.WeightCap, NoiseStd = noise,
        };
    }
}
