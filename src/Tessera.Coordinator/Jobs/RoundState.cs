using Tessera.Coordinator.Storage;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The round in progress as its job grain tracks it: the pure lifecycle (<see cref="RoundLifecycle{TTask}"/>: tasks,
/// quorum, claims, deadline, when to close) plus what the round's record needs: losses, samples and the workers'
/// federated evaluation. The running sum itself is held by the nodes' aggregators (<see cref="NodeAggregators"/>,
/// keyed by job, round and attempt).
/// </summary>
public sealed class RoundState : RoundLifecycle<RoundTask>
{
    public double LossSum { get; private set; }
    public int LossCount { get; private set; }
    public long Samples { get; private set; }
    /// <summary>Workers' evaluations of this round's base model (version <see cref="RoundLifecycle{TTask}.Version"/>) on their held-out data.</summary>
    public Federation.Evaluation.FederatedEvaluation Evaluation { get; } = new();
    /// <summary>privacy.secure_aggregation: the round's SecAgg+ stages, whose unmasked sum is the round's aggregate; null otherwise.</summary>
    public Federation.Privacy.SecureAggregation.SecureRound? Secure { get; set; }

    /// <summary>Counts a folded update: its worker, losses, samples, and its federated evaluation of the base model. True when the close is due now.</summary>
    public bool Count(RoundTask t, UpdateNotice n)
    {
        LossSum += n.LossSum;
        LossCount += n.LossCount;
        Samples += n.SampleCount;
        if (n.Evaluation is { } e) Evaluation.Add(e.Samples, e.Loss, e.Accuracy, e.Metrics);
        return Count(t);
    }

    /// <summary>The round's record once aggregated: counts, losses, the coordinator-side evaluation and the federated one.</summary>
    public RoundRow Closed(string jobId, double aggregationMs, Runtime.EvaluationResult? eval, IReadOnlyList<Federation.Robust.UpdateFate>? fates = null,
        (Federation.Privacy.PrivateRound Round, Federation.Privacy.Accounting.PrivacySpent Spent)? privacy = null)
    {
        var row = new RoundRow
        {
            JobId = jobId, Round = Round, Closed = DateTimeOffset.UtcNow.ToString("O"), Updates = Accepted, Samples = Samples,
            TrainLoss = LossCount > 0 ? (float)(LossSum / LossCount) : null, TestLoss = eval?.Loss, TestAccuracy = eval?.Accuracy,
            AggregationMs = aggregationMs, DurationSeconds = (DateTimeOffset.UtcNow - Started).TotalSeconds,
        };
        row.Record(eval?.Metrics, Evaluation, privacy);
        row.RecordFates(fates);
        return row;
    }
}
