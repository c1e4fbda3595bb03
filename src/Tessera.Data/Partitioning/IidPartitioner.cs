namespace Tessera.Data.Partitioning;

/// <summary>
/// Shuffles all samples and deals them out in equal parts. When the count does not divide evenly, the first
/// (N mod clients) clients get one extra sample, so every sample is assigned exactly once.
/// </summary>
public sealed class IidPartitioner : IPartitioner
{
    public int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Apportion.CheckClientCount(clientCount);
        int[] order = new DeterministicRandom(seed).Permutation(labels.Count);
        return Chunk(order, Apportion.Counts(Enumerable.Repeat(1.0, clientCount).ToArray(), order.Length));
    }

    /// <summary>Cuts <paramref name="order"/> into consecutive pieces of the given sizes.</summary>
    internal static int[][] Chunk(int[] order, int[] sizes)
    {
        var parts = new int[sizes.Length][];
        int start = 0;
        for (int c = 0; c < sizes.Length; c++)
        {
            parts[c] = order[start..(start + sizes[c])];
            start += sizes[c];
        }
        return parts;
    }
}
