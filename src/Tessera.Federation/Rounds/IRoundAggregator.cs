namespace Tessera.Federation;

/// <summary>
/// Folds one round's uploads as they arrive, in O(model) memory. Fold is thread-safe: the
/// coordinator calls it from concurrent requests. Finish closes the round; later folds throw.
/// </summary>
public interface IRoundAggregator
{
    int Round { get; }

    /// <summary>Updates folded so far.</summary>
    int Count { get; }

    /// <summary>Validates and folds; throws <see cref="InvalidUpdateException"/> without side effects if rejected.</summary>
    void Fold(ClientUpdate update);

    RoundAggregate Finish();

    /// <summary>Closes this aggregator and hands its unnormalized sums to the node that finishes the round.</summary>
    RoundPartial TakePartial();

    /// <summary>Folds another node's partial; rejected whole (nothing merged) if any of its clients was already counted.</summary>
    void Merge(RoundPartial partial);
}
