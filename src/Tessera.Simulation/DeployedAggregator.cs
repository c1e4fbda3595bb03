using Tessera.Federation.Personalization;
using Tessera.Federation.Robust;
using Tessera.Federation.Strategies;

namespace Tessera.Simulation;

/// <summary>
/// The one place the simulator learns which rule the adaptive attacks (optimal_alie, optimal_ipm) optimize against:
/// the job's robust stage (pre-aggregation, then the aggregator) when strategy.aggregator is set, else null, the
/// plain sample-weighted mean. Client momentum is left out: it is state the attacker's trial runs must not advance.
/// </summary>
internal static class DeployedAggregator
{
    public static IAggregator? Of(IStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        if (strategy is FedBnStrategy fedBn) strategy = fedBn.Inner;
        return strategy is RobustStrategy robust ? new Stage(robust.Pipeline) : null;
    }

    sealed class Stage(RobustPipeline pipeline) : IAggregator
    {
        public string Name => pipeline.Name;

        public RobustAggregate Aggregate(IUpdateSet updates)
        {
            var set = updates;
            for (int k = 0; k < pipeline.Pre.Count; k++) set = pipeline.Pre[k].Mix(set, pipeline.Seed + (ulong)k).Updates;
            return pipeline.Aggregator.Aggregate(set, null);
        }
    }
}
