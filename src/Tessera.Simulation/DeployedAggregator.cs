using Tessera.Federation.Strategies;
using Tessera.Federation.Robust;

namespace Tessera.Simulation;

/// <summary>
/// The one place the simulator learns which rule the adaptive attacks (optimal_alie, optimal_ipm) optimize against.
/// The robust strategy (strategy.aggregator) is merged separately: connect it here, e.g.
/// <c>strategy is RobustStrategy r ? r.Aggregator : null</c>. Null means the plain sample-weighted mean.
/// </summary>
internal static class DeployedAggregator
{
    public static IAggregator? Of(IStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return null;
    }
}
