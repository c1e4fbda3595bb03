namespace Tessera.Federation.Robust;

/// <summary>
/// Coordinate-wise rules read the cohort a block of coordinates at a time: n × block floats gathered into one pooled
/// buffer, so memory stays O(n·block + model) while the set itself may be a memory-mapped spill file.
/// </summary>
public static class CoordinateBlocks
{
    /// <summary>Floats gathered per block across all updates (4 MiB): large enough for long SIMD runs, small next to a model.</summary>
    public const int DefaultFloats = 1 << 20;

    /// <summary>Coordinates per block for <paramref name="count"/> updates within a budget of <paramref name="floats"/>.</summary>
    public static int Width(int count, int floats) => Math.Max(1, floats / Math.Max(1, count));

    /// <summary>Coordinate-major copy: <c>columns[j·n + i] = updates[i][start + j]</c>, so each coordinate's n values are contiguous.</summary>
    public static void Gather(IUpdateSet updates, int start, int width, Span<float> columns)
    {
        int n = updates.Count;
        for (int i = 0; i < n; i++)
        {
            var src = updates[i].Slice(start, width);
            for (int j = 0; j < width; j++) columns[j * n + i] = src[j];
        }
    }
}
