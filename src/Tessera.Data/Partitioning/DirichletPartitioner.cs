namespace Tessera.Data.Partitioning;

/// <summary>
/// Label-skewed split: for each class, the class's samples are divided among clients in proportions drawn
/// from a symmetric Dirichlet(alpha). Small alpha concentrates each class on few clients; large alpha
/// approaches IID. Every sample is assigned exactly once. With <see cref="MinSamplesPerClient"/> above zero
/// the whole draw is repeated (up to <see cref="MaxAttempts"/> times) until every client has enough samples,
/// the usual practice so that no client is left without data.
/// </summary>
public sealed class DirichletPartitioner : IPartitioner
{
    public double Alpha { get; }
    public int MinSamplesPerClient { get; }
    public int MaxAttempts { get; }

    public DirichletPartitioner(double alpha, int minSamplesPerClient = 0, int maxAttempts = 1000)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfNegative(minSamplesPerClient);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAttempts);
        Alpha = alpha;
        MinSamplesPerClient = minSamplesPerClient;
        MaxAttempts = maxAttempts;
    }

    public int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Apportion.CheckClientCount(clientCount);
        if ((long)MinSamplesPerClient * clientCount > labels.Count)
            throw new ArgumentException($"{labels.Count} samples cannot give {clientCount} clients {MinSamplesPerClient} each");
        var rng = new DeterministicRandom(seed);
        var classes = Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key)
            .Select(g => g.ToArray()).ToArray();

        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var parts = Enumerable.Range(0, clientCount).Select(_ => new List<int>()).ToArray();
            foreach (int[] members in classes)
            {
                var shuffled = (int[])members.Clone();
                rng.Shuffle<int>(shuffled);
                int[] counts = Apportion.Counts(rng.NextDirichlet(Alpha, clientCount), shuffled.Length);
                int start = 0;
                for (int c = 0; c < clientCount; c++)
                {
                    parts[c].AddRange(shuffled.AsSpan(start, counts[c]));
                    start += counts[c];
                }
            }
            if (parts.All(p => p.Count >= MinSamplesPerClient))
                return parts.Select(p => p.ToArray()).ToArray();
        }
        throw new InvalidOperationException(
            $"no Dirichlet({Alpha}) split gave all {clientCount} clients at least {MinSamplesPerClient} samples in {MaxAttempts} attempts");
    }
}
