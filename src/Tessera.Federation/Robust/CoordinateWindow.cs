using System.Buffers;
using System.Numerics.Tensors;

namespace Tessera.Federation.Robust;

/// <summary>
/// The shared core of median, trimmed mean and Bulyan's second stage: per coordinate, sort the n values and average a
/// window of them. The window is the rule (the middle one or two, all but k each side, the β nearest the median).
/// Processed in blocks of coordinates (<see cref="CoordinateBlocks"/>). Each update's fate counts the coordinates in
/// which its value lay inside the window.
/// </summary>
internal static class CoordinateWindow
{
    /// <summary>Picks the averaged window of one coordinate's sorted values.</summary>
    public delegate (int Start, int Count) Picker(ReadOnlySpan<float> sorted);

    public static RobustAggregate Reduce(IUpdateSet updates, Picker pick, int blockFloats, string rule)
    {
        int n = updates.Count, length = updates.Length;
        if (n == 0) throw new InvalidOperationException($"{rule} of no updates");
        var result = new float[length];
        var used = new long[n];
        int width = Math.Min(Math.Max(1, length), CoordinateBlocks.Width(n, blockFloats));
        var columns = ArrayPool<float>.Shared.Rent(n * width);
        var sorted = ArrayPool<float>.Shared.Rent(n);
        try
        {
            for (int start = 0; start < length; start += width)
            {
                int w = Math.Min(width, length - start);
                CoordinateBlocks.Gather(updates, start, w, columns);
                for (int j = 0; j < w; j++)
                {
                    var column = columns.AsSpan(j * n, n);
                    var s = sorted.AsSpan(0, n);
                    column.CopyTo(s);
                    s.Sort();
                    var (first, count) = pick(s);
                    var window = s.Slice(first, count);
                    result[start + j] = TensorPrimitives.Sum(window) / count;
                    float lo = window[0], hi = window[^1];
                    for (int i = 0; i < n; i++)
                        if (column[i] >= lo && column[i] <= hi) used[i]++;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(sorted);
        }
        return new RobustAggregate(result, Fates(updates, used, length));
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
