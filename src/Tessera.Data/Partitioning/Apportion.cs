namespace Tessera.Data.Partitioning;

/// <summary>Turns proportions into whole counts that sum exactly to a total (largest-remainder method).</summary>
internal static class Apportion
{
    public static int[] Counts(IReadOnlyList<double> weights, int total)
    {
        int k = weights.Count;
        double sum = weights.Sum();
        var counts = new int[k];
        if (k == 0) return counts;
        if (!(sum > 0))
            throw new ArgumentException("weights must have a positive sum", nameof(weights));
        var remainders = new (double rem, int idx)[k];
        int assigned = 0;
        for (int i = 0; i < k; i++)
        {
            double exact = weights[i] / sum * total;
            counts[i] = (int)Math.Floor(exact);
            assigned += counts[i];
            remainders[i] = (exact - counts[i], i);
        }
        // Largest remainders first; ties broken by index so the result is deterministic.
        foreach (var (_, idx) in remainders.OrderByDescending(r => r.rem).ThenBy(r => r.idx).Take(total - assigned))
            counts[idx]++;
        return counts;
    }

    public static void CheckClientCount(int clientCount)
    {
        if (clientCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(clientCount), clientCount, "need at least one client");
    }
}
