namespace Tessera.Federation.Robust;

/// <summary>
/// Coordinate-wise median (Yin et al. 2018; Flower's FedMedian): the middle value of each coordinate, the mean of the
/// two middle ones for an even count. Unchanged while fewer than half the updates move, however far they go.
/// </summary>
public sealed class MedianAggregator(int blockFloats = CoordinateBlocks.DefaultFloats) : IAggregator
{
    public string Name => "median";

    public RobustAggregate Aggregate(IUpdateSet updates) =>
        CoordinateWindow.Reduce(updates, Middle, blockFloats, Name);

    internal static (int, int) Middle(ReadOnlySpan<float> sorted) =>
        sorted.Length % 2 == 1 ? (sorted.Length / 2, 1) : (sorted.Length / 2 - 1, 2);
}
