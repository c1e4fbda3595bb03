namespace Tessera.Protocol.Jobs;

/// <summary>
/// What a robust aggregator asks of the rest of a spec: a strategy whose round is a plain weighted mean of the
/// deltas, and enough updates per round for the rule's f. Refused with one line naming both settings.
/// </summary>
internal static class AggregatorRules
{
    const string Path = "strategy.aggregator";

    public static void Check(JobSpec spec)
    {
        var a = spec.Strategy.Aggregator;
        if (a.IsPlainMean) return;
        string? why = spec.Strategy.Name switch
        {
            "fednova" => "fednova's round is its own average, each update normalized by its local steps, which a robust rule would replace",
            "scaffold" => "scaffold averages the clients' Δc_i next to their deltas, and a robust rule on the deltas alone would leave c open to the clients it excludes",
            "fedbuff" => "fedbuff applies each buffer of stale updates as it fills; there is no round's cohort to hold for a robust rule",
            _ => null,
        };
        if (why is not null)
            throw new JobSpecException(Path, $"{Describe(a)} cannot be used with strategy.name {spec.Strategy.Name}: {why}");

        var (n, source) = PerRound(spec);
        int f = a.Byzantine;
        for (int i = 0; i < a.Pre.Count; i++)
        {
            var step = a.Pre[i];
            if (step.Name == PreAggregationSpec.Nnm && 2 * f >= n)
                throw new JobSpecException($"{Path}.pre[{i}]", $"nnm with {Path}.f = {f} needs more than 2f = {2 * f} updates per round, {source} gives {n}");
            if (step.Name == PreAggregationSpec.Bucketing)
            {
                int s = step.BucketSize ?? PreAggregationSpec.DefaultBucketSize;
                int buckets = (n + s - 1) / s;
                if (buckets < 2)
                    throw new JobSpecException($"{Path}.pre[{i}]", $"buckets of {s} leave one bucket from the {n} updates per round {source} gives: nothing left to compare");
                (n, source) = (buckets, $"{source} in buckets of {s}");
            }
        }
        switch (a.Name)
        {
            case AggregatorSpec.TrimmedMean:
                int k = a.F ?? (int)Math.Floor((a.Beta ?? AggregatorSpec.DefaultTrim) * n);
                if (2 * k >= n)
                    throw new JobSpecException(a.F is null ? $"{Path}.beta" : $"{Path}.f",
                        $"trimming {k} of each side of {n} updates per round ({source}) leaves nothing to average");
                break;
            case AggregatorSpec.Krum or AggregatorSpec.MultiKrum when n < 2 * f + 3:
                throw new JobSpecException($"{Path}.f", $"{a.Name} with f = {f} needs at least 2f + 3 = {2 * f + 3} updates per round, {source} gives {n}");
            case AggregatorSpec.MultiKrum when a.M > n:
                throw new JobSpecException($"{Path}.m", $"multi_krum cannot average m = {a.M} of {n} updates per round ({source})");
            case AggregatorSpec.Bulyan when n < 4 * f + 3:
                throw new JobSpecException($"{Path}.f", $"bulyan with f = {f} needs at least 4f + 3 = {4 * f + 3} updates per round, {source} gives {n}");
        }
    }

    static string Describe(AggregatorSpec a) =>
        a.Name != AggregatorSpec.Mean ? $"{Path} {a.Name}" : a.Momentum is not null ? $"{Path}.momentum" : $"{Path}.pre";

    /// <summary>The updates a round aims for, as the client selector counts them, and the setting that decides it.</summary>
    static (int N, string Source) PerRound(JobSpec spec)
    {
        if (spec.ClientsPerRound is { } count)
            return (Math.Min(Math.Max(count, spec.MinClients), spec.Data.Clients), "clients_per_round");
        int target = (int)Math.Ceiling(spec.Fraction * spec.Data.Clients - 1e-9);
        return (Math.Min(Math.Max(target, spec.MinClients), spec.Data.Clients), "fraction × data.clients");
    }
}
