namespace Tessera.Federation.Robust;

/// <summary>
/// The robust stage of a round, in order: client momentum (optional) → pre-aggregation steps (nnm, arc, bucketing) →
/// aggregator. Fates are carried back through the steps to the clients that sent the updates.
/// </summary>
public sealed class RobustPipeline
{
    public RobustPipeline(IAggregator aggregator, IReadOnlyList<IPreAggregator>? pre = null, ClientMomentum? momentum = null, ulong seed = 0)
    {
        Aggregator = aggregator ?? throw new ArgumentNullException(nameof(aggregator));
        Pre = pre ?? [];
        Momentum = momentum;
        Seed = seed;
    }

    public IAggregator Aggregator { get; }
    public IReadOnlyList<IPreAggregator> Pre { get; }
    public ClientMomentum? Momentum { get; }
    /// <summary>Mixed with the round and the step's position for the shuffling steps.</summary>
    public ulong Seed { get; }

    public string Name => string.Join("+", Pre.Select(p => p.Name).Append(Aggregator.Name).Prepend(Momentum is null ? null : "momentum").OfType<string>());

    public RobustAggregate Run(IUpdateSet updates, int round, float[]? previous = null)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0) throw new InvalidOperationException($"Round {round} has no updates to aggregate.");
        var momentum = Momentum?.Advance(updates);
        var sets = new List<IUpdateSet> { momentum?.Updates ?? updates };
        var mixes = new List<MixedUpdates>();
        for (int k = 0; k < Pre.Count; k++)
        {
            var mixed = Pre[k].Mix(sets[^1], SplitMix64.ForStream(Seed, unchecked((ulong)round * 31 + (ulong)k)).Next());
            mixes.Add(mixed);
            sets.Add(mixed.Updates);
        }
        var result = Aggregator.Aggregate(sets[^1], previous);
        var fates = result.Fates;
        for (int k = mixes.Count - 1; k >= 0; k--) fates = mixes[k].FatesOf(fates, sets[k]);
        momentum?.Commit();
        return new RobustAggregate(result.Delta, fates);
    }
}
