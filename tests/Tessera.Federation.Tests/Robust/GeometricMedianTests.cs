using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

public class GeometricMedianTests
{
    [Theory]
    [InlineData(6, 5)]
    [InlineData(8, 3)]
    public void Geometric_median_stays_near_the_honest_centre_with_outliers_at_a_million(int honest, int outliers)
    {
        var h = Cohorts.Honest(honest, spread: 0.1f);
        // All outliers on one side, the hardest case for a median: they pull together.
        var far = Enumerable.Range(0, outliers).Select(_ => Enumerable.Repeat(1e6f, 7).ToArray()).ToList();
        var r = new GeometricMedianAggregator().Aggregate(Cohorts.Set(h, far));
        // The breakdown bound: with f < n/2 the geometric median is within C·(honest radius) of the honest centre,
        // C = (2(n − f))/(n − 2f) ≤ 2·11 for these sets; honest radius ≤ 0.1·√7. The mean would be ~4e5 away.
        double radius = 0.1 * Math.Sqrt(7);
        double c = 2.0 * honest / (honest - outliers);
        Assert.True(Cohorts.Distance(r.Delta, Cohorts.Mean(h)) <= c * radius + radius, $"{Cohorts.Distance(r.Delta, Cohorts.Mean(h))}");
        Assert.All(r.Fates.Where(f => f.ClientId.StartsWith('a')), f => Assert.True(f.Share < 1e-5, $"{f.ClientId} share {f.Share}"));
    }

    [Fact]
    public void Without_outliers_it_lies_in_the_honest_hull_and_has_full_shares()
    {
        var h = Cohorts.Honest(5);
        var r = new GeometricMedianAggregator().Aggregate(Cohorts.Set(h));
        Cohorts.WithinHonestRange(h, r.Delta);
        Assert.Equal(1.0, r.Fates.Sum(f => f.Share), 9);
    }
}
