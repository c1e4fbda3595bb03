namespace Tessera.Data.Partitioning;

/// <summary>
/// γ-similarity (Allouah et al. 2023, ByzFL's gamma_similarity_niid): a γ share of the samples, drawn at random, is
/// split IID across clients; the rest is sorted by label and cut into one contiguous chunk per client. γ = 1 is IID,
/// γ = 0 label-sorted (each client sees one or two classes). Client c holds its IID part followed by its chunk.
/// </summary>
public sealed class GammaSimilarityPartitioner(double gamma) : IPartitioner
{
    public double Gamma { get; } = gamma is >= 0 and <= 1 ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must lie in [0, 1]");

    public int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Apportion.CheckClientCount(clientCount);
        int[] order = new DeterministicRandom(seed).Permutation(labels.Count);
        int similar = (int)(labels.Count * Gamma);   // floor, as ByzFL's int(len · γ)
        var equal = Enumerable.Repeat(1.0, clientCount).ToArray();
        var iid = IidPartitioner.Chunk(order[..similar], Apportion.Counts(equal, similar));
        // OrderBy is stable: within a label the shuffled order decides which client gets which sample.
        int[] sorted = order[similar..].OrderBy(i => labels[i]).ToArray();
        var chunks = IidPartitioner.Chunk(sorted, Apportion.Counts(equal, sorted.Length));
        return Enumerable.Range(0, clientCount).Select(c => iid[c].Concat(chunks[c]).ToArray()).ToArray();
    }
}
