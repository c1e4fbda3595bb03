using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Squared Euclidean distances between every pair of updates: n² doubles, read in blocks of coordinates so all n
/// slices of a block stay in cache while the n²/2 pairs are compared (the set may be a memory-mapped file).
/// </summary>
public sealed class PairwiseDistances
{
    readonly double[] _d;

    PairwiseDistances(int n, double[] d) => (Count, _d) = (n, d);

    public int Count { get; }

    public double this[int i, int j] => _d[i * Count + j];

    public static PairwiseDistances Of(IUpdateSet updates, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        int n = updates.Count, length = updates.Length;
        var d = new double[n * n];
        int width = CoordinateBlocks.Width(n, blockFloats);
        for (int start = 0; start < length; start += width)
        {
            int w = Math.Min(width, length - start);
            for (int i = 0; i < n; i++)
            {
                var a = updates[i].Slice(start, w);
                for (int j = i + 1; j < n; j++)
                {
                    double part = TensorPrimitives.Distance(a, updates[j].Slice(start, w));
                    d[i * n + j] += part * part;
                }
            }
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) d[j * n + i] = d[i * n + j];
        return new PairwiseDistances(n, d);
    }

    /// <summary>Indices of the others among <paramref name="members"/>, nearest <paramref name="i"/> first (ties by index).</summary>
    public int[] NearestTo(int i, IReadOnlyList<int> members) =>
        members.Where(j => j != i).OrderBy(j => this[i, j]).ThenBy(j => j).ToArray();

    /// <summary>
    /// Krum's score (Blanchard et al. 2017) of each member within <paramref name="members"/>: the sum of squared
    /// distances to its <paramref name="neighbours"/> nearest other members.
    /// </summary>
    public double[] KrumScores(IReadOnlyList<int> members, int neighbours)
    {
        var scores = new double[members.Count];
        for (int k = 0; k < members.Count; k++)
        {
            int i = members[k];
            var row = members.Where(j => j != i).Select(j => this[i, j]).Order().Take(neighbours);
            scores[k] = row.Sum();
        }
        return scores;
    }
}
