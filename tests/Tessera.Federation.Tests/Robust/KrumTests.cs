using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>Krum, Multi-Krum and Bulyan: distance-based selection of the honest cluster.</summary>
public class KrumTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Krum_picks_a_member_of_the_honest_cluster(bool attackersFirst)
    {
        var h = Cohorts.Honest(7);
        // Colluding attackers sit together (a tight cluster of their own) far from the honest ones.
        var attackers = Enumerable.Range(0, 2).Select(k => Enumerable.Repeat(50f + k * 1e-3f, 7).ToArray()).ToList();
        var r = new KrumAggregator(f: 2).Aggregate(Cohorts.Set(h, attackers, attackersFirst));
        Assert.Contains(h, x => x.SequenceEqual(r.Delta));
        var kept = Assert.Single(r.Fates, f => !f.Excluded);
        Assert.StartsWith("h", kept.ClientId);
        Assert.Equal(1.0, kept.Share);
        Assert.All(r.Fates.Where(f => f.Excluded), f => Assert.Contains("krum score", f.Why));
    }

    [Fact]
    public void Multi_krum_averages_m_honest_updates()
    {
        var h = Cohorts.Honest(7);
        var set = Cohorts.Set(h, Cohorts.Attackers(2));
        var r = new KrumAggregator(f: 2, m: 4).Aggregate(set);
        var kept = r.Fates.Where(f => !f.Excluded).ToList();
        Assert.Equal(4, kept.Count);
        Assert.All(kept, f => { Assert.StartsWith("h", f.ClientId); Assert.Equal(0.25, f.Share, 12); });
        var expected = Cohorts.Mean(kept.Select(f => h[int.Parse(f.ClientId[1..])]).ToList());
        Approx.Equal(expected, r.Delta, 1e-6);
        Assert.Equal("multi_krum", new KrumAggregator(2, null).Name);
        Assert.Equal(7, new KrumAggregator(f: 2, m: null).Aggregate(set).Fates.Count(f => !f.Excluded));   // default m = n − f
    }

    [Fact]
    public void Krum_refuses_a_round_smaller_than_2f_plus_3()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new KrumAggregator(f: 2).Aggregate(Cohorts.Set(Cohorts.Honest(6))));
        Assert.Contains("2f + 3", e.Message);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 11)]
    [InlineData(2, 13)]
    public void Bulyan_stays_within_the_honest_range_of_every_coordinate(int f, int n)
    {
        var h = Cohorts.Honest(n - f, seed: n);
        // Attackers that pass Krum's eye: near the honest cluster, pushed to one side in every coordinate.
        var attackers = Enumerable.Range(0, f).Select(k => Cohorts.Centre.Select(c => c + 0.3f + k * 0.01f).ToArray()).ToList();
        var r = new BulyanAggregator(f).Aggregate(Cohorts.Set(h, attackers));
        Cohorts.WithinHonestRange(h, r.Delta);
        var far = new BulyanAggregator(f).Aggregate(Cohorts.Set(h, Cohorts.Attackers(f)));
        Cohorts.WithinHonestRange(h, far.Delta);
        Assert.All(far.Fates.Where(x => x.ClientId.StartsWith('a')), x => Assert.True(x.Excluded));
        Assert.Equal(2 * f, far.Fates.Count(x => x.Excluded && x.Why!.Contains("Krum picks")));
    }

    [Fact]
    public void Bulyan_averages_the_beta_picked_values_nearest_their_median()
    {
        // f = 1, n = 7: θ = 5 Krum picks (0, 1, 2, 3, 10), β = 3 nearest their median 2: (1, 2, 3).
        var set = new InMemoryUpdateSet(1);
        foreach (var (id, x) in new[] { ("a", 0f), ("b", 1f), ("c", 2f), ("d", 3f), ("e", 10f), ("f", 100f), ("g", -100f) }) set.Add(id, [x]);
        var r = new BulyanAggregator(1).Aggregate(set);
        Assert.Equal([2f], r.Delta);
        Assert.Equal(["f", "g"], r.Fates.Where(x => x.Excluded && x.Why!.Contains("Krum")).Select(x => x.ClientId));
        Assert.Equal(["a", "e"], r.Fates.Where(x => x.Excluded && x.Why!.Contains("every coordinate")).Select(x => x.ClientId));
    }

    [Fact]
    public void Bulyan_refuses_a_round_smaller_than_4f_plus_3()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new BulyanAggregator(2).Aggregate(Cohorts.Set(Cohorts.Honest(10))));
        Assert.Contains("4f + 3", e.Message);
    }
}
