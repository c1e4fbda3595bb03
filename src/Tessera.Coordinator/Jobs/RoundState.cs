using Tessera.Federation;

namespace Tessera.Coordinator.Jobs;

public enum RoundPhase { Collecting, Closing }

/// <summary>
/// The round in progress: its tasks, the quorum it needs, its deadline, and this node's aggregator, which
/// folds each upload into a running sum as it lands (O(model) memory however many workers report).
/// </summary>
public sealed class RoundState
{
    public required int Round { get; init; }
    public required int Attempt { get; init; }
    public required long Version { get; init; }
    public required int Target { get; init; }
    public required int Invited { get; init; }
    public required IRoundAggregator NodeAggregator { get; init; }
    public required DateTimeOffset Started { get; init; }
    public DateTimeOffset Deadline { get; set; }
    public RoundPhase Phase { get; set; } = RoundPhase.Collecting;
    public Dictionary<string, RoundTask> Tasks { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Contributors { get; } = new(StringComparer.Ordinal);
    public List<float> Losses { get; } = [];
    public long Samples { get; set; }

    public int Accepted => Contributors.Count;
    public IEnumerable<RoundTask> Open => Tasks.Values.Where(t => t.State == TaskState.Assigned);
}
