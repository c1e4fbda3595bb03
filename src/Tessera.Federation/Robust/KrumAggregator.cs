namespace Tessera.Federation.Robust;

/// <summary>
/// Krum and Multi-Krum (Blanchard et al. 2017; Flower's Krum): score each update by the sum of squared distances to
/// its n − f − 2 nearest others and average the m best (Krum: m = 1; Multi-Krum's default m = n − f). Needs
/// n ≥ 2f + 3, so that every score sums at least one distance and the honest updates outnumber the rest.
/// The m picks are averaged unweighted: a sample count is the client's own claim.
/// </summary>
public sealed class KrumAggregator : IAggregator
{
    readonly int _f;
    readonly int? _m;
    readonly int _blockFloats;

    /// <param name="f">Byzantine updates tolerated.</param>
    /// <param name="m">Updates averaged; 1 is Krum, null is n − f (Multi-Krum).</param>
    public KrumAggregator(int f, int? m = 1, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        if (m is < 1) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be at least 1");
        (_f, _m, _blockFloats) = (f, m, blockFloats);
    }

    public string Name => _m == 1 ? "krum" : "multi_krum";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count;
        if (n < 2 * _f + 3)
            throw new InvalidOperationException($"{Name} with f = {_f} needs at least {2 * _f + 3} updates (2f + 3), the round has {n}");
        int m = _m ?? n - _f;
        if (m > n) throw new InvalidOperationException($"{Name} cannot average m = {m} of {n} updates");
        var all = Enumerable.Range(0, n).ToArray();
        var scores = PairwiseDistances.Of(updates, _blockFloats).KrumScores(all, n - _f - 2);
        var ranked = all.OrderBy(i => scores[i]).ThenBy(i => i).ToArray();
        var chosen = ranked.Take(m).Order().ToArray();
        var delta = new MeanAggregator().Aggregate(new Unweighted(new UpdateSubset(updates, chosen))).Delta;

        var rank = new int[n];
        for (int r = 0; r < n; r++) rank[ranked[r]] = r;
        var picked = new HashSet<int>(chosen);
        var fates = all.Select(i => picked.Contains(i)
            ? new UpdateFate(updates.ClientId(i), 1.0 / m, 1, false)
            : new UpdateFate(updates.ClientId(i), 0, 1, true, $"krum score ranked {rank[i] + 1} of {n}, {m} kept")).ToArray();
        return new RobustAggregate(delta, fates);
    }
}
