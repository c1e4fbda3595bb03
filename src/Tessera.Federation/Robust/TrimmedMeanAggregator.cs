namespace Tessera.Federation.Robust;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al. 2018; Flower's FedTrimmedAvg): drop the k largest and k smallest values
/// of each coordinate and average the rest, k = f when given, else ⌊β·n⌋.
/// </summary>
public sealed class TrimmedMeanAggregator : IAggregator
{
    readonly int? _f;
    readonly double _beta;
    readonly int _blockFloats;

    /// <param name="f">Values trimmed each side; overrides <paramref name="beta"/>.</param>
    /// <param name="beta">Fraction trimmed each side, in [0, 0.5).</param>
    public TrimmedMeanAggregator(int? f = null, double beta = 0.1, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        if (f is < 0) throw new ArgumentOutOfRangeException(nameof(f), f, "f must be non-negative");
        if (!(beta >= 0 && beta < 0.5)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be in [0, 0.5)");
        (_f, _beta, _blockFloats) = (f, beta, blockFloats);
    }

    public string Name => "trimmed_mean";

    /// <summary>Values trimmed from each side for a cohort of <paramref name="n"/>.</summary>
    public int TrimFor(int n) => _f ?? (int)Math.Floor(_beta * n);

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count, k = TrimFor(n);
        if (2 * k >= n)
            throw new InvalidOperationException($"trimmed mean cannot trim {k} of {n} updates from each side: nothing would be left");
        return CoordinateWindow.Reduce(updates, k, n - 2 * k, _blockFloats, Name);
    }
}
