using System.Collections.Concurrent;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Model-sized float arrays that uploads decode into, reused across uploads. Each is several megabytes, so a fresh
/// one per upload lands on the large-object heap and, at ingest rates, keeps the GC compacting it (about a fifth of
/// ingest under the CLI's memory-conserving GC setting). Exact lengths only: a delta's length is the model's. At most
/// <see cref="KeptPerLength"/> are kept per length; the upload gate bounds how many are out at once.
/// </summary>
internal static class DeltaBuffers
{
    const int KeptPerLength = 16;
    static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();

    /// <summary>An array of exactly <paramref name="length"/> floats, its contents unspecified.</summary>
    public static float[] Rent(int length) =>
        Free.TryGetValue(length, out var bag) && bag.TryTake(out var array) ? array : new float[length];

    /// <summary>Gives an array back; the caller must hold no reference to it after.</summary>
    public static void Return(float[] array)
    {
        var bag = Free.GetOrAdd(array.Length, _ => []);
        if (bag.Count < KeptPerLength) bag.Add(array);
    }
}
