using Tessera.Federation.Personalization;
using Tessera.Federation.Robust;
using Tessera.Federation.Strategies;

namespace Tessera.Simulation;

/// <summary>
/// What the robust stage did in one round (strategy.aggregator set): updates it excluded and clipped, and the mean share
/// of the result an attacker's update got against an honest one's. The simulator knows who is Byzantine, so the
/// shares tell whether the rule actually singled the attackers out (a share of 0 is perfect exclusion); null when the
/// round had no update of that kind.
/// </summary>
public sealed record RobustRoundStats(int Excluded, int Clipped, double? ByzantineShare, double? HonestShare)
{
    /// <summary>The round's stats from the fates of its updates; <paramref name="isByzantine"/> tells attackers by client id.</summary>
    public static RobustRoundStats From(IReadOnlyList<UpdateFate> fates, Func<string, bool> isByzantine)
    {
        ArgumentNullException.ThrowIfNull(fates);
        ArgumentNullException.ThrowIfNull(isByzantine);
        static double? Mean(IEnumerable<double> xs) => xs.Any() ? xs.Average() : null;
        return new RobustRoundStats(
            fates.Count(f => f.Excluded),
            fates.Count(f => !f.Excluded && f.Scale < 1),
            Mean(fates.Where(f => isByzantine(f.ClientId)).Select(f => f.Share)),
            Mean(fates.Where(f => !isByzantine(f.ClientId)).Select(f => f.Share)));
    }

    /// <summary>The job's robust strategy (inside FedBN's wrapper too), or null when rounds take the streaming mean.</summary>
    internal static RobustStrategy? StrategyOf(IStrategy strategy) =>
        (strategy is FedBnStrategy fedBn ? fedBn.Inner : strategy) as RobustStrategy;
}
