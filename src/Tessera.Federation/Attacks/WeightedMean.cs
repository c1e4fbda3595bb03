using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// The plain sample-weighted mean FedAvg folds, which the adaptive attacks optimize against when the job deploys no
/// robust rule. Kept here, not under Robust/, because only the attacks need it as an <see cref="IAggregator"/>.
/// </summary>
internal sealed class WeightedMean : IAggregator
{
    public static readonly WeightedMean Instance = new();

    public string Name => "mean";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        var sum = new float[updates.Length];
        double total = 0;
        for (int i = 0; i < updates.Count; i++) total += updates.Weight(i);
        var fates = new UpdateFate[updates.Count];
        for (int i = 0; i < updates.Count; i++)
        {
            double share = updates.Weight(i) / total;
            TensorPrimitives.MultiplyAdd(updates[i], (float)share, sum, sum);
            fates[i] = new UpdateFate(updates.ClientId(i), share, 1, false);
        }
        return new RobustAggregate(sum, fates);
    }
}
