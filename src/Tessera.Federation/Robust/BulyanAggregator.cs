namespace Tessera.Federation.Robust;

/// <summary>
/// Bulyan (El Mhamdi et al. 2018): pick θ = n − 2f updates by Krum repeatedly (each pick leaves the pool), then per
/// coordinate average the β = θ − 2f picked values nearest their median. Needs n ≥ 4f + 3. Each coordinate of the
/// result lies within the range of the honest updates' values when at most f are Byzantine.
/// </summary>
public sealed class BulyanAggregator : IAggregator
{
    readonly int _f;
    readonly int _blockFloats;

    public BulyanAggregator(int f, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(f);
        (_f, _blockFloats) = (f, blockFloats);
    }

    public string Name => "bulyan";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        int n = updates.Count, f = _f;
        if (n < 4 * f + 3)
            throw new InvalidOperationException($"bulyan with f = {f} needs at least {4 * f + 3} updates (4f + 3), the round has {n}");
        int theta = n - 2 * f, beta = theta - 2 * f;
        var distances = PairwiseDistances.Of(updates, _blockFloats);
        var pool = Enumerable.Range(0, n).ToList();
        var picks = new List<int>(theta);
        while (picks.Count < theta)
        {
            // Krum on what is left: n − f − 2 neighbours of the shrinking pool, at least one while two remain.
            int neighbours = Math.Clamp(pool.Count - f - 2, Math.Min(1, pool.Count - 1), pool.Count - 1);
            var scores = distances.KrumScores(pool, neighbours);
            int best = Enumerable.Range(0, pool.Count).OrderBy(k => scores[k]).ThenBy(k => pool[k]).First();
            picks.Add(pool[best]);
            pool.RemoveAt(best);
        }
        picks.Sort();
        var chosen = new UpdateSubset(updates, picks);
        var inner = CoordinateWindow.Reduce(chosen, beta, (sorted, rows, width, j) => NearestMedian(sorted, rows, width, j, beta), _blockFloats, Name);

        var fates = new UpdateFate[n];
        for (int i = 0; i < n; i++) fates[i] = new UpdateFate(updates.ClientId(i), 0, 1, true, $"not among the {theta} Krum picks");
        for (int k = 0; k < picks.Count; k++) fates[picks[k]] = inner.Fates[k];
        return new RobustAggregate(inner.Delta, fates);
    }

    /// <summary>The β sorted values nearest the median form a contiguous window; slide it to the tightest one around the median.</summary>
    static int NearestMedian(ReadOnlySpan<float> sorted, int rows, int width, int j, int beta)
    {
        float At(ReadOnlySpan<float> s, int r) => s[r * width + j];
        double median = rows % 2 == 1 ? At(sorted, rows / 2) : ((double)At(sorted, rows / 2 - 1) + At(sorted, rows / 2)) / 2;
        int best = 0;
        double bestReach = double.PositiveInfinity;
        for (int s = 0; s + beta <= rows; s++)
        {
            double reach = Math.Max(median - At(sorted, s), At(sorted, s + beta - 1) - median);
            if (reach < bestReach) (best, bestReach) = (s, reach);
        }
        return best;
    }
}
