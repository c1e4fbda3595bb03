using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Jobs;

public enum RoundPhase { Collecting, Closing }

/// <summary>
/// What a collecting round does on a tick: tasks to expire (their worker stopped heartbeating, or their deadline
/// passed), how many replacements to invite, and whether to close or, short of results at the deadline, wait longer.
/// </summary>
public sealed record CollectStep(IReadOnlyList<RoundTask> Expire, int Invite, bool Close, bool ExtendDeadline);

/// <summary>
/// The round in progress as its job grain tracks it: its tasks, the quorum it needs, its deadline, and how many
/// claimed uploads are still being folded by a node's aggregator (<see cref="NodeAggregators"/>, keyed by job,
/// round and attempt), which holds the running sum.
/// </summary>
public sealed class RoundState
{
    public required int Round { get; init; }
    public required int Attempt { get; init; }
    public required long Version { get; init; }
    public required int Target { get; init; }
    public required int Invited { get; init; }
    public required DateTimeOffset Started { get; init; }
    public DateTimeOffset Deadline { get; set; }
    public RoundPhase Phase { get; set; } = RoundPhase.Collecting;
    public bool CloseStarted { get; set; }
    public Dictionary<string, RoundTask> Tasks { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Contributors { get; } = new(StringComparer.Ordinal);
    /// <summary>Uploads claimed (<see cref="IJobGrain.Reserve"/>) but not yet reported folded; the round closes only at zero.</summary>
    public int Folding { get; set; }
    public double LossSum { get; set; }
    public int LossCount { get; set; }
    public long Samples { get; set; }
    /// <summary>Workers' evaluations of this round's base model (version <see cref="Version"/>) on their held-out data.</summary>
    public Federation.Evaluation.FederatedEvaluation Evaluation { get; } = new();

    public int Accepted => Contributors.Count;

    /// <summary>Counts a folded update: its worker, losses, samples, and its federated evaluation of the base model.</summary>
    public void Count(UpdateNotice n)
    {
        Folding--;
        Contributors.Add(n.WorkerId);
        LossSum += n.LossSum;
        LossCount += n.LossCount;
        Samples += n.SampleCount;
        if (n.Evaluation is { } e) Evaluation.Add(e.Samples, e.Loss, e.Accuracy, e.Metrics);
    }

    /// <summary>The round's record once aggregated: counts, losses, the coordinator-side evaluation and the federated one.</summary>
    public RoundRow Closed(string jobId, double aggregationMs, Runtime.EvaluationResult? eval)
    {
        var row = new RoundRow
        {
            JobId = jobId, Round = Round, Closed = DateTimeOffset.UtcNow.ToString("O"), Updates = Accepted, Samples = Samples,
            TrainLoss = LossCount > 0 ? (float)(LossSum / LossCount) : null, TestLoss = eval?.Loss, TestAccuracy = eval?.Accuracy,
            AggregationMs = aggregationMs, DurationSeconds = (DateTimeOffset.UtcNow - Started).TotalSeconds,
        };
        row.Record(eval?.Metrics, Evaluation);
        return row;
    }
    /// <summary>Training tasks handed out and not yet uploaded (verification tasks are not the round's results).</summary>
    public IEnumerable<RoundTask> Open => Tasks.Values.Where(t => t.State == TaskState.Assigned && t.Verifies is null);

    /// <summary>
    /// The collecting round's next step, decided from the clock, which workers are live and how many could be invited
    /// (pure: the job grain carries it out). It closes once nothing is pending or the deadline passed with at least
    /// the minimum of results counted or being folded (a claim out, an audit under way, keeps it open).
    /// </summary>
    public CollectStep Collect(DateTimeOffset now, Func<string, bool> isLive, int available, int minClients)
    {
        // Verification tasks expire like any other but do not count towards the round's quorum.
        var expire = Tasks.Values.Where(t => t.State == TaskState.Assigned && (!isLive(t.WorkerId) || now > t.Deadline)).ToList();
        int open = Open.Count(t => !expire.Contains(t));
        int needed = Target - Accepted - Folding - open;
        int invite = needed > 0 && now <= Deadline ? Math.Min(needed, available) : 0;
        bool nothingPending = open + invite == 0 && Folding == 0;
        bool close = (now > Deadline || nothingPending) && Accepted + Folding >= Math.Max(1, minClients);
        return new CollectStep(expire, invite, close, !close && now > Deadline);
    }
}
