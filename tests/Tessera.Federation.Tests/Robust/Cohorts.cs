using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>Cohorts for the robust rules: honest updates scattered around a centre, and attackers far away.</summary>
internal static class Cohorts
{
    public static readonly float[] Centre = [0.5f, -1f, 2f, 0f, 0.25f, -0.75f, 1.5f];

    /// <summary><paramref name="honest"/> updates within ±<paramref name="spread"/> of <see cref="Centre"/> per coordinate.</summary>
    public static List<float[]> Honest(int honest, int seed = 1, float spread = 0.1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, honest)
            .Select(_ => Centre.Select(c => c + (float)(rng.NextDouble() * 2 - 1) * spread).ToArray()).ToList();
    }

    /// <summary>Attackers at ±<paramref name="magnitude"/> in every coordinate, alternating sign per attacker.</summary>
    public static List<float[]> Attackers(int count, float magnitude = 1e6f) =>
        Enumerable.Range(0, count).Select(a => Enumerable.Repeat(a % 2 == 0 ? magnitude : -magnitude, Centre.Length).ToArray()).ToList();

    /// <summary>Honest ones named h0.., attackers a0..; attackers first when <paramref name="attackersFirst"/> (order must not matter).</summary>
    public static InMemoryUpdateSet Set(IReadOnlyList<float[]> honest, IReadOnlyList<float[]>? attackers = null, bool attackersFirst = false, Func<int, double>? weight = null)
    {
        var set = new InMemoryUpdateSet(Centre.Length);
        void AddHonest() { for (int i = 0; i < honest.Count; i++) set.Add($"h{i}", honest[i], weight?.Invoke(i) ?? 1); }
        void AddAttackers() { for (int i = 0; i < (attackers?.Count ?? 0); i++) set.Add($"a{i}", attackers![i]); }
        if (attackersFirst) { AddAttackers(); AddHonest(); } else { AddHonest(); AddAttackers(); }
        return set;
    }

    public static double[] Mean(IReadOnlyList<float[]> xs) =>
        Enumerable.Range(0, xs[0].Length).Select(j => xs.Average(x => (double)x[j])).ToArray();

    public static double Distance(IReadOnlyList<float> a, IReadOnlyList<double> b) =>
        Math.Sqrt(a.Select((x, j) => (x - b[j]) * (x - b[j])).Sum());

    /// <summary>Asserts each coordinate lies within the honest updates' [min, max] (plus float slack).</summary>
    public static void WithinHonestRange(IReadOnlyList<float[]> honest, float[] result, double slack = 1e-5)
    {
        for (int j = 0; j < result.Length; j++)
        {
            double lo = honest.Min(h => h[j]), hi = honest.Max(h => h[j]);
            Assert.True(result[j] >= lo - slack && result[j] <= hi + slack, $"coordinate {j}: {result[j]} outside the honest range [{lo}, {hi}]");
        }
    }

    public static UpdateFate Fate(RobustAggregate r, string client) => r.Fates.Single(f => f.ClientId == client);
}
