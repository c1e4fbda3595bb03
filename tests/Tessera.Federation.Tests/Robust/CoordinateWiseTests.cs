using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>Median and trimmed mean: coordinate-wise order statistics, computed in blocks of coordinates.</summary>
public class CoordinateWiseTests
{
    [Theory]
    [InlineData(5, 4)]
    [InlineData(6, 5)]
    [InlineData(4, 1)]
    public void Median_does_not_move_when_fewer_than_half_go_to_huge_values(int honest, int attackers)
    {
        var h = Cohorts.Honest(honest);
        var clean = new MedianAggregator().Aggregate(Cohorts.Set(h)).Delta;
        // Attackers can only shift which honest order statistic is picked, never past the honest range.
        var attacked = new MedianAggregator().Aggregate(Cohorts.Set(h, Cohorts.Attackers(attackers, 1e30f))).Delta;
        Cohorts.WithinHonestRange(h, attacked);
        if (attackers % 2 == 0)   // ±1e30 in equal numbers: the middle stays exactly where it was
            Assert.Equal(clean, attacked);
    }

    [Fact]
    public void Median_is_the_middle_value_and_the_mean_of_two_middles()
    {
        var odd = new InMemoryUpdateSet(2).Add("a", [3, -1]).Add("b", [1, 5]).Add("c", [2, 0]);
        Assert.Equal([2f, 0f], new MedianAggregator().Aggregate(odd).Delta);
        var even = new InMemoryUpdateSet(1).Add("a", [4]).Add("b", [1]).Add("c", [2]).Add("d", [100]);
        Assert.Equal([3f], new MedianAggregator().Aggregate(even).Delta);
    }

    [Fact]
    public void Median_and_trimmed_mean_match_a_sort_of_each_coordinate_for_every_cohort_size()
    {
        var rng = new Random(3);
        for (int n = 1; n <= 40; n++)
        {
            // Ties included: a few coordinates draw from three values only.
            var rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 11).Select(j => j < 3 ? rng.Next(3) : (float)rng.NextDouble()).ToArray()).ToArray();
            var set = new InMemoryUpdateSet(11);
            for (int i = 0; i < n; i++) set.Add($"c{i}", rows[i]);
            int k = (n - 1) / 3;
            var median = new MedianAggregator(blockFloats: 5 * n).Aggregate(set).Delta;
            var trimmed = new TrimmedMeanAggregator(f: k, blockFloats: 5 * n).Aggregate(set).Delta;
            for (int j = 0; j < 11; j++)
            {
                var column = rows.Select(r => (double)r[j]).Order().ToArray();
                double expectedMedian = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
                Assert.True(Math.Abs(expectedMedian - median[j]) < 1e-6, $"n = {n}, coordinate {j}: median {median[j]}, sorted {expectedMedian}");
                Assert.True(Math.Abs(column[k..(n - k)].Average() - trimmed[j]) < 1e-6, $"n = {n}, coordinate {j}: trimmed {trimmed[j]}, sorted {column[k..(n - k)].Average()}");
            }
        }
    }

    [Fact]
    public void Trimmed_mean_ignores_the_f_extremes_on_each_side()
    {
        var h = Cohorts.Honest(6);
        var attackers = new List<float[]> { Enumerable.Repeat(1e6f, 7).ToArray(), Enumerable.Repeat(-1e6f, 7).ToArray() };
        var result = new TrimmedMeanAggregator(f: 1).Aggregate(Cohorts.Set(h, attackers)).Delta;
        // With one attacker above and one below every coordinate, trimming one each side leaves exactly the honest mean.
        Approx.Equal(Cohorts.Mean(h), result, 1e-5);
        Assert.Equal(1, new TrimmedMeanAggregator(beta: 0.1).TrimFor(10));
        Assert.Throws<InvalidOperationException>(() => new TrimmedMeanAggregator(f: 4).Aggregate(Cohorts.Set(Cohorts.Honest(8))));
    }

    [Fact]
    public void Trimmed_mean_with_nothing_trimmed_is_the_plain_mean()
    {
        var h = Cohorts.Honest(5);
        Approx.Equal(Cohorts.Mean(h), new TrimmedMeanAggregator(f: 0).Aggregate(Cohorts.Set(h)).Delta, 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Blocks_of_coordinates_give_the_result_of_one_block(int blockFloats)
    {
        var h = Cohorts.Honest(9, seed: 4, spread: 3);
        var set = Cohorts.Set(h, Cohorts.Attackers(2));
        foreach (var (small, whole) in new (IAggregator, IAggregator)[]
        {
            (new MedianAggregator(blockFloats), new MedianAggregator(int.MaxValue)),
            (new TrimmedMeanAggregator(f: 2, blockFloats: blockFloats), new TrimmedMeanAggregator(f: 2, blockFloats: int.MaxValue)),
            (new BulyanAggregator(2, blockFloats), new BulyanAggregator(2, int.MaxValue)),
            (new KrumAggregator(2, null, blockFloats), new KrumAggregator(2, null, int.MaxValue)),
            (new CenteredClipAggregator(0.5, 3, blockFloats), new CenteredClipAggregator(0.5, 3, int.MaxValue)),
        })
        {
            var a = small.Aggregate(set);
            var b = whole.Aggregate(set);
            Approx.Equal(b.Delta, a.Delta, 1e-5);
            Assert.Equal(b.Fates, a.Fates);
        }
    }

    [Fact]
    public void Fates_say_which_updates_were_trimmed()
    {
        var h = Cohorts.Honest(6);
        var set = Cohorts.Set(h, [Enumerable.Repeat(1e6f, 7).ToArray()]);
        var r = new TrimmedMeanAggregator(f: 1).Aggregate(set);
        var attacker = Cohorts.Fate(r, "a0");
        Assert.True(attacker.Excluded);
        Assert.Equal(0, attacker.Share);
        Assert.Contains("every coordinate", attacker.Why);
        Assert.All(r.Fates.Where(f => f.ClientId != "a0"), f => Assert.False(f.Excluded));
        Assert.Equal(1.0, r.Fates.Sum(f => f.Share), 9);
    }
}
