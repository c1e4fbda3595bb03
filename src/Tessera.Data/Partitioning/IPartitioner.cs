namespace Tessera.Data.Partitioning;

/// <summary>
/// Splits a data set's samples among federated clients. Result: one array of sample indices per client.
/// Every implementation is a pure function of (labels, clientCount, seed).
/// </summary>
public interface IPartitioner
{
    int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed);
}

public static class PartitionerExtensions
{
    public static int[][] Split(this IPartitioner partitioner, Dataset data, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Label-blind partitioners only need the count, so regression sets get all-zero labels; so do sequence
        // sets (several labels per sample), which have no one class per sample to skew by.
        IReadOnlyList<long> labels = data.Labels is { } l && data.LabelSize == 1 ? l : new long[data.Count];
        return partitioner.Split(labels, clientCount, seed);
    }
}
