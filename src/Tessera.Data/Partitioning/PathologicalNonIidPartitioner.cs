namespace Tessera.Data.Partitioning;

/// <summary>
/// The pathological non-IID split of McMahan et al. 2017: sort samples by label, cut them into
/// shardsPerClient × clients equal shards (200 shards of 300 for 100 clients on MNIST) and give each client
/// shardsPerClient random shards. A client sees at most shardsPerClient labels when class sizes are multiples
/// of the shard size; otherwise a shard may straddle two classes, as in the paper.
/// If N is not divisible by the shard count, the first (N mod shards) shards hold one extra sample, so
/// every sample is still assigned exactly once.
/// </summary>
public sealed class PathologicalNonIidPartitioner(int shardsPerClient = 2) : IPartitioner
{
    public int ShardsPerClient { get; } = shardsPerClient > 0
        ? shardsPerClient
        : throw new ArgumentOutOfRangeException(nameof(shardsPerClient), shardsPerClient, "must be positive");

    public int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Apportion.CheckClientCount(clientCount);
        var rng = new DeterministicRandom(seed);
        int shardCount = checked(ShardsPerClient * clientCount);
        if (labels.Count < shardCount)
            throw new ArgumentException($"{labels.Count} samples cannot fill {shardCount} shards", nameof(labels));

        // Shuffle first so that, within a label, which samples land in which shard is random too.
        int[] order = rng.Permutation(labels.Count);
        int[] byLabel = order.OrderBy(i => labels[i]).ToArray(); // OrderBy is stable
        int[][] shards = IidPartitioner.Chunk(byLabel, Apportion.Counts(Enumerable.Repeat(1.0, shardCount).ToArray(), byLabel.Length));

        int[] shardOrder = rng.Permutation(shardCount);
        var parts = new int[clientCount][];
        for (int c = 0; c < clientCount; c++)
            parts[c] = Enumerable.Range(c * ShardsPerClient, ShardsPerClient)
                .SelectMany(s => shards[shardOrder[s]])
                .ToArray();
        return parts;
    }
}
