namespace Tessera.Federation.Robust;

/// <summary>
/// Rules read the cohort a block of coordinates at a time: n × block floats in one pooled buffer, so memory stays
/// O(n·block + model) while the set itself may be a memory-mapped spill file.
/// </summary>
public static class CoordinateBlocks
{
    /// <summary>Floats read per block across all updates (4 MiB): long SIMD runs, small next to a model.</summary>
    public const int DefaultFloats = 1 << 20;

    /// <summary>Coordinates per block for <paramref name="count"/> updates within a budget of <paramref name="floats"/>.</summary>
    public static int Width(int count, int floats) => Math.Max(1, floats / Math.Max(1, count));
}
