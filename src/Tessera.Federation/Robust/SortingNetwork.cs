using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// Batcher's odd–even merge sort as a list of compare-exchanges for n inputs (any n: comparators past n are dropped,
/// as if the missing inputs were +∞). Applied to rows, one compare-exchange is a SIMD Min and Max over a block of
/// coordinates, so a block's n values per coordinate are sorted for all its coordinates at once, without branches.
/// </summary>
internal static class SortingNetwork
{
    static readonly ConcurrentDictionary<int, (int A, int B)[]> Networks = new();

    public static (int A, int B)[] For(int n) => Networks.GetOrAdd(n, Build);

    static (int, int)[] Build(int n)
    {
        var pairs = new List<(int, int)>();
        for (int p = 1; p < n; p <<= 1)
            for (int k = p; k >= 1; k >>= 1)
                for (int j = k % p; j + k < n; j += 2 * k)
                    for (int i = 0; i < Math.Min(k, n - j - k); i++)
                        if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                            pairs.Add((i + j, i + j + k));
        return pairs.ToArray();
    }

    /// <summary>Sorts each column of <paramref name="n"/> rows of <paramref name="width"/> floats (row-major), ascending down the rows.</summary>
    public static void SortColumns(Span<float> rows, int n, int width, Span<float> scratch)
    {
        var low = scratch[..width];
        foreach (var (a, b) in For(n))
        {
            var ra = rows.Slice(a * width, width);
            var rb = rows.Slice(b * width, width);
            TensorPrimitives.Min(ra, rb, low);
            TensorPrimitives.Max(ra, rb, rb);
            low.CopyTo(ra);
        }
    }
}
