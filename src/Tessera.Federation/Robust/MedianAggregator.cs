namespace Tessera.Federation.Robust;

/// <summary>
/// Coordinate-wise median (Yin et al. 2018; Flower's FedMedian): the middle value of each coordinate, the mean of the
/// two middle ones for an even count. Unchanged while fewer than half the updates move, however far they go.
/// </summary>
public sealed class MedianAggregator(int blockFloats = CoordinateBlocks.DefaultFloats) : IAggregator
{
    public string Name => "median";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count;
        return CoordinateWindow.Reduce(updates, n % 2 == 1 ? n / 2 : Math.Max(0, n / 2 - 1), n % 2 == 1 || n == 0 ? 1 : 2, blockFloats, Name);
    }

}
