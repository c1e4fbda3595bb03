namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>Which clients fall silent before each stage of a simulated round (a client silent before a stage sends nothing from then on).</summary>
public sealed record SecAggDropouts
{
    public IReadOnlySet<int> BeforeAdvertise { get; init; } = new HashSet<int>();
    public IReadOnlySet<int> BeforeShareKeys { get; init; } = new HashSet<int>();
    public IReadOnlySet<int> BeforeMaskedInput { get; init; } = new HashSet<int>();
    public IReadOnlySet<int> BeforeUnmask { get; init; } = new HashSet<int>();

    public static SecAggDropouts None { get; } = new();

    /// <summary>
    /// Before each stage, a seeded random <c>fractions[s]</c> of the clients still in the round (rounded down) falls
    /// silent: s = 0 advertise, 1 share keys, 2 masked input, 3 unmask.
    /// </summary>
    public static SecAggDropouts Random(int clients, IReadOnlyList<double> fractions, int seed)
    {
        if (fractions.Count != 4 || fractions.Any(f => f is < 0 or > 1)) throw new ArgumentException("four fractions in [0, 1], one per stage", nameof(fractions));
        var random = new Random(seed);
        var left = Enumerable.Range(1, clients).ToList();
        var sets = new HashSet<int>[4];
        for (int s = 0; s < 4; s++)
        {
            var order = left.ToArray();
            random.Shuffle(order);
            sets[s] = order.Take((int)(fractions[s] * left.Count)).ToHashSet();
            left.RemoveAll(sets[s].Contains);
        }
        return new SecAggDropouts { BeforeAdvertise = sets[0], BeforeShareKeys = sets[1], BeforeMaskedInput = sets[2], BeforeUnmask = sets[3] };
    }

    /// <summary>A <paramref name="fraction"/> of the clients falls silent before one stage (0..3, as in <see cref="Random"/>).</summary>
    public static SecAggDropouts AtStage(int clients, int stage, double fraction, int seed)
    {
        var fractions = new double[4];
        fractions[stage] = fraction;
        return Random(clients, fractions, seed);
    }
}
