using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// A task's place in a secure round: its client number, the cohort size, the samples at which a client's weight is 1
/// (0: unweighted), the L2 bound it clips to (with adaptive clipping, this round's), FedNova's reference steps,
/// SCAFFOLD's control scale, and the SecAgg+ instance it masks under when that is not its round (a FedBuff buffer's serial).
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record SecureSlot(int Client, int Cohort, int Attempt, double WeightCap, double Clip, double ReferenceSteps = 0, double ControlScale = 0, int? Instance = null);

/// <summary>A job's secure round at the coordinator: its cohort numbered, and the terms (<see cref="SecureRoundTerms"/>) each task carries.</summary>
public static class SecureRoundPlan
{
    /// <summary>Numbers a round's tasks 1..n (their <see cref="SecureSlot"/>s) and opens its SecAgg+ round.</summary>
    public static SecureRound Open(JobSetup setup, string jobId, RoundState r, Federation.GlobalModel model, DateTimeOffset now)
    {
        var tasks = r.Tasks.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
        double cap = SecureRoundTerms.WeightCap(setup.Spec, setup.Plan.Privacy, tasks.Select(t => (long)t.Samples));
        double clip = SecureRoundTerms.Clip(setup.Spec, setup.Strategy, model);
        double steps = SecureRoundTerms.ReferenceSteps(setup.Spec, tasks.Select(t => t.Steps));
        double controls = SecureRoundTerms.ControlScale(setup.Spec, tasks.Select(t => t.Steps));
        for (int i = 0; i < tasks.Count; i++) tasks[i].Secure = new SecureSlot(i + 1, tasks.Count, r.Attempt, cap, clip, steps, controls);
        return Open(setup, jobId, r.Round, tasks, now, r.Deadline);
    }

    /// <summary>
    /// Numbers a FedBuff buffer's tasks 1..K and opens its SecAgg+ round, under the buffer's serial (each buffer masks in
    /// an instance of its own); the masked input is due at the tasks' deadline.
    /// </summary>
    public static SecureRound OpenBuffer(JobSetup setup, string jobId, int serial, IReadOnlyList<RoundTask> tasks, Federation.GlobalModel model, DateTimeOffset now)
    {
        double clip = SecureRoundTerms.Clip(setup.Spec, setup.Strategy, model);
        double cap = SecureRoundTerms.WeightCap(setup.Spec, setup.Plan.Privacy, tasks.Select(t => (long)t.Samples));   // 0: FedBuff's mean is unweighted
        for (int i = 0; i < tasks.Count; i++) tasks[i].Secure = new SecureSlot(i + 1, tasks.Count, serial, cap, clip, Instance: serial);
        return Open(setup, jobId, serial, tasks, now, tasks.Max(t => t.Deadline));
    }

    /// <summary>Opens the SecAgg+ round of <paramref name="tasks"/>, whose slots are numbered; the masked input is due at <paramref name="inputDeadline"/>.</summary>
    public static SecureRound Open(JobSetup setup, string jobId, int round, IReadOnlyList<RoundTask> tasks, DateTimeOffset now, DateTimeOffset inputDeadline)
    {
        var terms = Task(setup, jobId, round, tasks[0].Secure!, "", null);
        return new SecureRound(terms.Parameters, new SecureUpdateFormat((int)setup.Template.Count, terms), tasks.Select(t => (t.Id, t.Secure!.Client)), now,
            TimeSpan.FromSeconds(setup.Spec.Privacy.SecureAggregation!.StageSeconds), inputDeadline);
    }

    public static SecureAggregationTask Task(JobSetup setup, string jobId, int round, SecureSlot slot, string stageUrl, string? countedUrl) =>
        SecureRoundTerms.Task(setup.Spec, setup.Plan.Privacy, (int)setup.Template.Count, jobId, slot.Instance ?? round, slot.Attempt, slot.Client, slot.Cohort, slot.WeightCap, slot.Clip, stageUrl,
            slot.ReferenceSteps, slot.ControlScale, countedUrl);
}
