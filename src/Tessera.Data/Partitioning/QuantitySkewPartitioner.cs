namespace Tessera.Data.Partitioning;

/// <summary>
/// Clients get different amounts of data but IID labels: sizes follow a Dirichlet(alpha) draw or a power
/// law (client k's share ∝ (k+1)^-exponent, in a random client order). Each client gets at least one sample
/// when there are at least as many samples as clients; every sample is assigned exactly once.
/// </summary>
public sealed class QuantitySkewPartitioner : IPartitioner
{
    private readonly Func<DeterministicRandom, int, double[]> _weights;

    public string Description { get; }

    private QuantitySkewPartitioner(string description, Func<DeterministicRandom, int, double[]> weights)
    {
        Description = description;
        _weights = weights;
    }

    public static QuantitySkewPartitioner Dirichlet(double alpha)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive and finite");
        return new($"quantity-dirichlet({alpha})", (rng, k) => rng.NextDirichlet(alpha, k));
    }

    public static QuantitySkewPartitioner PowerLaw(double exponent)
    {
        if (!(exponent >= 0) || double.IsInfinity(exponent))
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "exponent must be non-negative and finite");
        return new($"quantity-powerlaw({exponent})", (rng, k) =>
        {
            int[] rank = rng.Permutation(k);
            return rank.Select(r => Math.Pow(r + 1, -exponent)).ToArray();
        });
    }

    public int[][] Split(IReadOnlyList<long> labels, int clientCount, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Apportion.CheckClientCount(clientCount);
        var rng = new DeterministicRandom(seed);
        int n = labels.Count;
        // Reserve one sample per client, then share the rest by weight, so no client ends up empty.
        int reserved = n >= clientCount ? 1 : 0;
        int[] sizes = Apportion.Counts(_weights(rng, clientCount), n - reserved * clientCount);
        for (int c = 0; c < clientCount; c++) sizes[c] += reserved;
        return IidPartitioner.Chunk(rng.Permutation(n), sizes);
    }
}
