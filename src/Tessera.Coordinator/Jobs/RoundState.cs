using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Jobs;

public enum RoundPhase { Collecting, Closing }

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
    public IEnumerable<RoundTask> Open => Tasks.Values.Where(t => t.State == TaskState.Assigned);
}
