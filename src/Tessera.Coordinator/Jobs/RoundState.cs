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
    public IEnumerable<RoundTask> Open => Tasks.Values.Where(t => t.State == TaskState.Assigned);
}
