namespace Tessera.Federation.Robust;

/// <summary>
/// A rule that combines one round's individual updates into the one delta the strategy's server step applies
/// (mean, median, Krum, centered clipping...). Pure: no I/O, deterministic for a given set and order.
/// </summary>
public interface IAggregator
{
    /// <summary>The spec name: mean, median, trimmed_mean, krum, multi_krum, bulyan, geomed, centered_clip, norm_bound.</summary>
    string Name { get; }

    RobustAggregate Aggregate(IUpdateSet updates);

    /// <summary>True for rules that start from the previous round's aggregate (centered clipping), which the caller then keeps.</summary>
    bool UsesPrevious => false;

    /// <summary>
    /// The rule given the previous round's aggregate (null in the first round). Rules that do not use it ignore it.
    /// </summary>
    RobustAggregate Aggregate(IUpdateSet updates, float[]? previous) => Aggregate(updates);
}

/// <summary>
/// What the rule did to one update, for the round's metrics and the worker's page: its share of the result
/// (0 when excluded), the factor it was scaled by (1 unless clipped), and why, in a few words.
/// </summary>
public sealed record UpdateFate(string ClientId, double Share, double Scale, bool Excluded, string? Why = null);

/// <summary>The combined delta and each update's fate, in the set's order.</summary>
public sealed record RobustAggregate(float[] Delta, IReadOnlyList<UpdateFate> Fates);
