namespace Tessera.Federation.Robust;

/// <summary>The plain FedAvg rule: Σ wᵢΔᵢ / Σ wᵢ with wᵢ the set's weights (sample counts). Streams: O(model) memory.</summary>
public sealed class MeanAggregator : IAggregator
{
    public string Name => "mean";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        if (updates.Count == 0) throw new InvalidOperationException("mean of no updates");
        var sum = new WeightedSum(updates.Length);
        for (int i = 0; i < updates.Count; i++) sum.Add(updates[i], updates.Weight(i));
        var fates = new UpdateFate[updates.Count];
        for (int i = 0; i < fates.Length; i++) fates[i] = new UpdateFate(updates.ClientId(i), updates.Weight(i) / sum.TotalWeight, 1, false);
        return new RobustAggregate(sum.Mean(), fates);
    }
}
