namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// Who shares secrets (and pairwise masks) with whom in a round: a Harary graph H(k, m) — a ring on which each
/// client is joined to the k/2 nearest on either side — over a seeded random ordering of the m clients that
/// advertised keys, so no client's neighbourhood can be aimed at by choosing indices. k-regular and k-connected; the
/// complete graph when k ≥ m − 1. Only the server builds it: it tells each client its neighbours.
/// </summary>
public sealed class NeighbourGraph
{
    readonly Dictionary<int, int[]> _neighbours;

    NeighbourGraph(Dictionary<int, int[]> neighbours, int degree)
    {
        _neighbours = neighbours;
        Degree = degree;
    }

    /// <summary>Neighbours per client (an odd k below m − 1 is rounded up to the next even, as a ring needs).</summary>
    public int Degree { get; }

    public IEnumerable<int> Clients => _neighbours.Keys.Order();

    /// <summary>The client's neighbours, ascending.</summary>
    public IReadOnlyList<int> Of(int client) => _neighbours[client];

    public bool Contains(int client) => _neighbours.ContainsKey(client);

    public static NeighbourGraph Build(IEnumerable<int> clients, int degree, int seed)
    {
        var sorted = clients.Distinct().Order().ToArray();
        int m = sorted.Length;
        if (degree < 1) throw new ArgumentOutOfRangeException(nameof(degree), "a client needs at least one neighbour");
        int k = degree % 2 == 0 ? degree : degree + 1;
        if (k >= m - 1)
            return new NeighbourGraph(sorted.ToDictionary(c => c, c => sorted.Where(o => o != c).ToArray()), Math.Max(0, m - 1));
        var ring = (int[])sorted.Clone();
        new Random(seed).Shuffle(ring);
        var neighbours = new Dictionary<int, int[]>(m);
        for (int p = 0; p < m; p++)
        {
            var around = new int[k];
            for (int s = 1; s <= k / 2; s++)
            {
                around[2 * (s - 1)] = ring[(p + s) % m];
                around[2 * (s - 1) + 1] = ring[(p - s + m) % m];
            }
            Array.Sort(around);
            neighbours[ring[p]] = around;
        }
        return new NeighbourGraph(neighbours, k);
    }
}
