using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// The shared core of median, trimmed mean and Bulyan's second stage: per coordinate, sort the n values and average
/// a window of <c>count</c> of them. The window is the rule: the same positions in every coordinate (the middle one
/// or two, all but k each side), or positions chosen per coordinate (Bulyan: the β nearest the median).
/// A block of coordinates is copied update by update (n contiguous rows), its columns sorted together by a
/// <see cref="SortingNetwork"/> (SIMD, no branches), and the window's values averaged. Memory stays
/// O(n·block + model) (<see cref="CoordinateBlocks"/>). Each update's fate counts the coordinates in which its value
/// lay inside the window.
/// </summary>
internal static class CoordinateWindow
{
    /// <summary>Floats per block at most: the n rows of a block stay in the core's cache while the network runs.</summary>
    const int CacheFloats = 1 << 16;

    /// <summary>Picks the first sorted row of one coordinate's window: <paramref name="sorted"/> holds n rows of <paramref name="width"/>.</summary>
    public delegate int StartOf(ReadOnlySpan<float> sorted, int n, int width, int column);

    /// <summary>The same window, rows <paramref name="start"/> to start + count − 1, in every coordinate.</summary>
    public static RobustAggregate Reduce(IUpdateSet updates, int start, int count, int blockFloats, string rule) =>
        Reduce(updates, count, null, start, blockFloats, rule);

    /// <summary>A window of <paramref name="count"/> rows starting where <paramref name="startOf"/> says, per coordinate.</summary>
    public static RobustAggregate Reduce(IUpdateSet updates, int count, StartOf startOf, int blockFloats, string rule) =>
        Reduce(updates, count, startOf, 0, blockFloats, rule);

    static RobustAggregate Reduce(IUpdateSet updates, int count, StartOf? startOf, int start, int blockFloats, string rule)
    {
        int n = updates.Count, length = updates.Length;
        if (n == 0) throw new InvalidOperationException($"{rule} of no updates");
        if (count < 1 || start < 0 || start + count > n) throw new ArgumentOutOfRangeException(nameof(count), $"window {start}..{start + count} of {n}");
        var result = new float[length];
        var used = new long[n];
        int width = Math.Min(Math.Max(1, length), CoordinateBlocks.Width(n, Math.Min(blockFloats, CacheFloats)));
        var rows = ArrayPool<float>.Shared.Rent(n * width);
        var scratch = ArrayPool<float>.Shared.Rent(3 * width);
        float share = 1f / count;
        try
        {
            for (int at = 0; at < length; at += width)
            {
                int w = Math.Min(width, length - at);
                var block = rows.AsSpan(0, n * w);
                for (int i = 0; i < n; i++) updates[i].Slice(at, w).CopyTo(block.Slice(i * w, w));
                SortingNetwork.SortColumns(block, n, w, scratch.AsSpan(0, w));
                var mean = result.AsSpan(at, w);
                ReadOnlySpan<float> lo, hi;
                if (startOf is null)
                {
                    // Each term scaled before it is added: finite values near float.MaxValue cannot sum to infinity.
                    for (int r = start; r < start + count; r++) TensorPrimitives.MultiplyAdd(block.Slice(r * w, w), share, mean, mean);
                    lo = block.Slice(start * w, w);
                    hi = block.Slice((start + count - 1) * w, w);
                }
                else
                {
                    var low = scratch.AsSpan(w, w);
                    var high = scratch.AsSpan(2 * w, w);
                    for (int j = 0; j < w; j++)
                    {
                        int s = startOf(block, n, w, j);
                        double sum = 0;
                        for (int r = s; r < s + count; r++) sum += block[r * w + j];
                        mean[j] = (float)(sum / count);
                        (low[j], high[j]) = (block[s * w + j], block[(s + count - 1) * w + j]);
                    }
                    lo = low;
                    hi = high;
                }
                for (int i = 0; i < n; i++) used[i] += CountWithin(updates[i].Slice(at, w), lo, hi);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(scratch);
        }
        return new RobustAggregate(result, Fates(updates, used, length));
    }

    static int CountWithin(ReadOnlySpan<float> x, ReadOnlySpan<float> lo, ReadOnlySpan<float> hi)
    {
        int j = 0, count = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var inside = Vector<int>.Zero;
            for (; j <= x.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var v = new Vector<float>(x[j..]);
                // Comparisons give −1 in the lanes that hold.
                inside -= Vector.GreaterThanOrEqual(v, new Vector<float>(lo[j..])) & Vector.LessThanOrEqual(v, new Vector<float>(hi[j..]));
            }
            count = Vector.Sum(inside);
        }
        for (; j < x.Length; j++) if (x[j] >= lo[j] && x[j] <= hi[j]) count++;
        return count;
    }

    /// <summary>Share = the update's in-window coordinates over all in-window counts (ties may put more than the window inside).</summary>
    static UpdateFate[] Fates(IUpdateSet updates, long[] used, int length)
    {
        double total = used.Sum();
        var fates = new UpdateFate[updates.Count];
        for (int i = 0; i < fates.Length; i++)
        {
            bool excluded = used[i] == 0 && length > 0;
            string? why = excluded ? "outside the kept values in every coordinate"
                : used[i] < length ? $"left out in {100.0 * (length - used[i]) / length:0.#}% of coordinates" : null;
            fates[i] = new UpdateFate(updates.ClientId(i), total > 0 ? used[i] / total : 0, 1, excluded, why);
        }
        return fates;
    }
}
