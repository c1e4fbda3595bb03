namespace Tessera.Federation;

/// <summary>
/// Picks the clients for a round: a fraction C (or a fixed count) of those available, at least
/// a minimum, then over-selects by a factor so a few stragglers cannot stall the round.
/// Deterministic in (seed, round) and independent of the order clients are listed in.
/// </summary>
public sealed class ClientSelector
{
    // Guards Ceiling against 0.1 * 30 = 3.0000000000000004 style artifacts.
    private const double CeilingSlack = 1e-9;

    /// <param name="fraction">Fraction C of available clients targeted when <paramref name="count"/> is null.</param>
    /// <param name="count">Fixed target per round; overrides <paramref name="fraction"/>.</param>
    /// <param name="minClients">Target never drops below this, and fewer available clients is an error.</param>
    /// <param name="overSelection">Invite ceil(factor · target) clients (capped at availability).</param>
    /// <param name="poissonRate">Poisson sampling (DP accounting that assumes it): each available client joins with this probability, and the round counts whoever joined.</param>
    public ClientSelector(double fraction = 1.0, int? count = null, int minClients = 1, double overSelection = 1.3, ulong seed = 0, double? poissonRate = null)
    {
        if (poissonRate is not null and not (> 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(poissonRate), poissonRate, "The Poisson rate must be in (0, 1].");
        PoissonRate = poissonRate;
        if (!(fraction > 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Fraction must be in (0, 1].");
        if (count is <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Count must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minClients);
        if (!(overSelection >= 1))
            throw new ArgumentOutOfRangeException(nameof(overSelection), overSelection, "Over-selection factor must be >= 1.");
        Fraction = fraction;
        Count = count;
        MinClients = minClients;
        OverSelection = overSelection;
        Seed = seed;
    }

    public double Fraction { get; }
    public int? Count { get; }
    public int MinClients { get; }
    public double OverSelection { get; }
    public ulong Seed { get; }
    public double? PoissonRate { get; }

    /// <summary>True when enough clients are connected for <see cref="Select"/> to succeed.</summary>
    public bool CanSelect(int availableCount) => availableCount >= MinClients;

    public ClientSelection Select(int round, IReadOnlyList<string> availableClients)
    {
        ArgumentNullException.ThrowIfNull(availableClients);
        // Sorting makes the draw depend only on the set of ids, not on connection order.
        string[] pool = availableClients.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        int n = pool.Length;
        if (!CanSelect(n))
            throw new InvalidOperationException($"Round {round} needs at least {MinClients} clients but only {n} are available.");

        if (PoissonRate is { } q) return Poisson(round, pool, q);
        int target = Count ?? (int)Math.Ceiling(Fraction * n - CeilingSlack);
        target = Math.Min(Math.Max(target, MinClients), n);
        int invite = Math.Min(n, (int)Math.Ceiling(OverSelection * target - CeilingSlack));

        // Partial Fisher–Yates: the first `invite` slots become a uniform random subset.
        var rng = SplitMix64.ForStream(Seed, unchecked((ulong)round));
        for (int i = 0; i < invite; i++)
        {
            int j = i + (int)rng.NextBelow((ulong)(n - i));
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return new ClientSelection(pool[..invite], target);
    }

    /// <summary>Each client independently with probability q; the round's target is however many joined (possibly none).</summary>
    ClientSelection Poisson(int round, string[] pool, double q)
    {
        var rng = SplitMix64.ForStream(Seed, unchecked((ulong)round));
        var joined = pool.Where(_ => (rng.NextBelow(1UL << 53) * (1.0 / (1UL << 53))) < q).ToArray();
        return new ClientSelection(joined, joined.Length);
    }
}
