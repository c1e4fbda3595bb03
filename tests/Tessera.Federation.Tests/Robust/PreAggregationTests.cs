using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>NNM, ARC and bucketing: mixes of updates, with fates carried back to the clients.</summary>
public class PreAggregationTests
{
    static double[] WeightedMean(IUpdateSet set)
    {
        double total = Enumerable.Range(0, set.Count).Sum(set.Weight);
        return Enumerable.Range(0, set.Length).Select(j => Enumerable.Range(0, set.Count).Sum(i => set.Weight(i) * set[i][j]) / total).ToArray();
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 8)]
    [InlineData(3, 9)]
    public void Bucketing_keeps_the_weighted_mean(int size, int n)
    {
        var set = Cohorts.Set(Cohorts.Honest(n, seed: n, spread: 2), weight: i => 1 + i % 3);
        var mixed = new Bucketing(size).Mix(set, seed: 42);
        Assert.Equal((n + size - 1) / size, mixed.Updates.Count);
        Approx.Equal(WeightedMean(set), new MeanAggregator().Aggregate(mixed.Updates).Delta, 1e-5);
        // Every client is in exactly one bucket.
        Assert.Equal(Enumerable.Range(0, n), mixed.Sources.SelectMany(s => s.Inputs).Order());
    }

    [Fact]
    public void Bucketing_shuffles_by_its_seed()
    {
        var set = Cohorts.Set(Cohorts.Honest(10));
        string Buckets(ulong seed) => string.Join("|", new Bucketing(2).Mix(set, seed).Sources.Select(s => string.Join(",", s.Inputs)));
        Assert.Equal(Buckets(5), Buckets(5));
        Assert.NotEqual(Buckets(5), Buckets(6));
    }

    [Fact]
    public void Nnm_with_no_attacker_keeps_the_mean()
    {
        var h = Cohorts.Honest(6, spread: 2);
        var set = Cohorts.Set(h);
        // f = 0: every update's n nearest are all of them, so each mix is the mean.
        var mixed = new NearestNeighborMixing(0).Mix(set, 0);
        for (int i = 0; i < mixed.Updates.Count; i++) Approx.Equal(Cohorts.Mean(h), mixed.Updates[i].ToArray(), 1e-5);
        // f > 0 with no attacker: the mean of the mixes stays in the honest hull, near the mean (each mix drops f updates).
        var mixedF = new NearestNeighborMixing(2).Mix(set, 0);
        var mean = new MeanAggregator().Aggregate(mixedF.Updates).Delta;
        Cohorts.WithinHonestRange(h, mean);
        double diameter = h.Max(a => h.Max(b => Cohorts.Distance(a, b.Select(x => (double)x).ToArray())));
        Assert.True(Cohorts.Distance(mean, Cohorts.Mean(h)) <= 2.0 / 6 * diameter);
    }

    [Fact]
    public void Nnm_mixes_an_outlier_away_and_its_fate_reaches_the_client()
    {
        var h = Cohorts.Honest(6);
        var set = Cohorts.Set(h, Cohorts.Attackers(1));
        var mixed = new NearestNeighborMixing(1).Mix(set, 0);
        // Honest mixes average 6 honest updates; none includes the attacker.
        for (int i = 0; i < 6; i++) Assert.DoesNotContain(6, mixed.Sources[i].Inputs);
        var pipeline = new RobustPipeline(new KrumAggregator(1), [new NearestNeighborMixing(1)]);
        var r = pipeline.Run(set, round: 1);
        Assert.Equal(set.Count, r.Fates.Count);
        var attacker = Cohorts.Fate(r, "a0");
        Assert.True(attacker.Excluded);
        Assert.Contains("nnm", attacker.Why);
        Assert.Equal(1.0, r.Fates.Sum(f => f.Share), 9);
        Cohorts.WithinHonestRange(h, r.Delta);
    }

    [Fact]
    public void Bucketing_before_a_rule_reports_fates_per_client()
    {
        var h = Cohorts.Honest(8);
        var set = Cohorts.Set(h, Cohorts.Attackers(1));
        var r = new RobustPipeline(new MedianAggregator(), [new Bucketing(3)], seed: 9).Run(set, round: 3);
        Assert.Equal(set.Count, r.Fates.Count);
        Assert.Equal(Enumerable.Range(0, set.Count).Select(set.ClientId), r.Fates.Select(f => f.ClientId));
        Assert.Equal(1.0, r.Fates.Sum(f => f.Share), 6);
        Assert.True(Cohorts.Fate(r, "a0").Excluded);   // its bucket is pulled to ±3e5, outside the middle in every coordinate
    }

    [Theory]
    [InlineData(13, 3, 4)]    // ByzFL's setting: ⌊2·3/13·10⌋
    [InlineData(10, 0, 0)]
    [InlineData(11, 5, 5)]
    [InlineData(2, 1, 1)]
    public void Arc_clips_2f_over_n_of_n_minus_f_updates(int n, int f, int k) =>
        Assert.Equal(k, AdaptiveRobustClipping.Clipped(n, f));

    [Fact]
    public void Arc_scales_the_largest_updates_to_the_next_largest_norm_and_reports_it()
    {
        // Norms 1..7 and an attacker at 1000: k = ⌊2·1/8·7⌋ = 1 clipped, to the next largest norm (7).
        var set = new InMemoryUpdateSet(2);
        for (int i = 1; i <= 7; i++) set.Add($"h{i}", [0, i]);
        set.Add("a0", [600, 800]);
        var mixed = new AdaptiveRobustClipping(1).Mix(set, 0);
        Approx.Equal([4.2, 5.6], mixed.Updates[7].ToArray(), 1e-5);                    // direction kept, norm 7
        for (int i = 0; i < 7; i++) Assert.Equal(set[i].ToArray(), mixed.Updates[i].ToArray());
        var r = new RobustPipeline(new MeanAggregator(), [new AdaptiveRobustClipping(1)]).Run(set, round: 1);
        var attacker = Cohorts.Fate(r, "a0");
        Assert.False(attacker.Excluded);
        Assert.Equal(7.0 / 1000, attacker.Scale, 9);                                   // the fate says by how much
        Assert.Equal(1.0, Cohorts.Fate(r, "h3").Scale);
        // However large the attacker grows, the mean moves no further: its norm is capped by the honest ones.
        var bigger = new InMemoryUpdateSet(2);
        for (int i = 1; i <= 7; i++) bigger.Add($"h{i}", [0, i]);
        bigger.Add("a0", [6e6f, 8e6f]);
        Approx.Equal(r.Delta, new RobustPipeline(new MeanAggregator(), [new AdaptiveRobustClipping(1)]).Run(bigger, round: 1).Delta, 1e-4);
    }
}
