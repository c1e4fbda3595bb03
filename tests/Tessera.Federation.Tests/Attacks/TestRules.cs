using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Attacks;

/// <summary>Small aggregation rules for the attack tests (the real ones live in Federation/Robust, written elsewhere).</summary>
internal sealed class TestMean : IAggregator
{
    public string Name => "mean";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        var sum = new float[updates.Length];
        for (int i = 0; i < updates.Count; i++)
            for (int j = 0; j < sum.Length; j++) sum[j] += updates[i][j] / updates.Count;
        return new RobustAggregate(sum, Enumerable.Range(0, updates.Count).Select(i => new UpdateFate(updates.ClientId(i), 1.0 / updates.Count, 1, false)).ToArray());
    }
}

internal sealed class TestMedian : IAggregator
{
    public string Name => "median";

    public RobustAggregate Aggregate(IUpdateSet updates)
    {
        var result = new float[updates.Length];
        var column = new float[updates.Count];
        for (int j = 0; j < result.Length; j++)
        {
            for (int i = 0; i < updates.Count; i++) column[i] = updates[i][j];
            Array.Sort(column);
            int n = column.Length;
            result[j] = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
        }
        return new RobustAggregate(result, Enumerable.Range(0, updates.Count).Select(i => new UpdateFate(updates.ClientId(i), 0, 1, false)).ToArray());
    }
}

internal static class HonestSets
{
    /// <summary><paramref name="n"/> updates of <paramref name="d"/> values: a shared drift plus N(0, 1) noise per client.</summary>
    public static InMemoryUpdateSet Gaussian(int n, int d, int seed = 1, float drift = 0.5f)
    {
        var rng = new Tessera.Data.DeterministicRandom((ulong)seed);
        var set = new InMemoryUpdateSet(d);
        for (int i = 0; i < n; i++)
            set.Add($"c{i}", Enumerable.Range(0, d).Select(j => drift * (1 + j % 3) + (float)rng.NextGaussian()).ToArray(), 10 + i);
        return set;
    }

    public static double[] Mean(IUpdateSet s) =>
        Enumerable.Range(0, s.Length).Select(j => Enumerable.Range(0, s.Count).Average(i => (double)s[i][j])).ToArray();

    public static double[] SampleStd(IUpdateSet s)
    {
        var m = Mean(s);
        return Enumerable.Range(0, s.Length).Select(j => Math.Sqrt(Enumerable.Range(0, s.Count).Sum(i => Math.Pow(s[i][j] - m[j], 2)) / (s.Count - 1))).ToArray();
    }

    /// <summary>‖rule(honest ∪ forged) − honest mean‖: how far the attack moved the aggregate.</summary>
    public static double Damage(IAggregator rule, InMemoryUpdateSet honest, float[][] forged)
    {
        var all = new InMemoryUpdateSet(honest.Length);
        for (int i = 0; i < honest.Count; i++) all.Add(honest.ClientId(i), honest[i].ToArray(), honest.Weight(i));
        for (int k = 0; k < forged.Length; k++) all.Add($"b{k}", forged[k]);
        var agg = rule.Aggregate(all).Delta;
        var m = Mean(honest);
        return Math.Sqrt(agg.Select((v, j) => Math.Pow(v - m[j], 2)).Sum());
    }
}
