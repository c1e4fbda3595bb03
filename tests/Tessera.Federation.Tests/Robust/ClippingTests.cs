using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Tests.Robust;

/// <summary>Centered clipping and norm bounding: updates are scaled, never dropped.</summary>
public class ClippingTests
{
    [Theory]
    [InlineData(1, 0.05)]
    [InlineData(3, 0.05)]
    [InlineData(5, 1.0)]
    public void Centered_clipping_moves_at_most_tau_per_iteration(int iterations, double tau)
    {
        var h = Cohorts.Honest(5);
        var set = Cohorts.Set(h, Cohorts.Attackers(3));
        var centre = new float[7];
        var r = new CenteredClipAggregator(tau, iterations).Aggregate(set, centre);
        Assert.True(TensorPrimitives.Distance(r.Delta, centre) <= iterations * tau * (1 + 1e-5));
        // Each iteration alone: run one at a time from the last result.
        var v = centre;
        for (int l = 0; l < iterations; l++)
        {
            var step = new CenteredClipAggregator(tau, 1).Aggregate(set, v).Delta;
            Assert.True(TensorPrimitives.Distance(step, v) <= tau * (1 + 1e-5));
            v = step;
        }
        Approx.Equal(v, r.Delta, 1e-5);
        Assert.True(Cohorts.Fate(r, "a0").Scale < 1e-5);
        Assert.Contains("τ", Cohorts.Fate(r, "a0").Why);
    }

    [Fact]
    public void Centered_clipping_with_a_wide_tau_is_the_mean_and_starts_at_the_median_without_a_centre()
    {
        var h = Cohorts.Honest(5);
        var set = Cohorts.Set(h);
        Approx.Equal(Cohorts.Mean(h), new CenteredClipAggregator(1e9).Aggregate(set, new float[7]).Delta, 1e-5);
        Assert.True(new CenteredClipAggregator(1).UsesPrevious);
        // No previous aggregate: starting from the median, attackers at a million barely move it.
        var r = new CenteredClipAggregator(0.1).Aggregate(Cohorts.Set(h, Cohorts.Attackers(2)));
        var median = new MedianAggregator().Aggregate(Cohorts.Set(h, Cohorts.Attackers(2))).Delta;
        Assert.True(TensorPrimitives.Distance(r.Delta, median) <= 0.1 * (1 + 1e-5));
    }

    [Fact]
    public void Adaptive_centered_clipping_clips_to_the_median_distance_whatever_the_update_scale()
    {
        // Honest updates spread around the centre at two very different scales, two attackers far out: a fixed τ
        // fits one scale at most; the median distance follows the honest spread, so each attacker is scaled down to
        // τ and pulls at most τ/n.
        foreach (float scale in new[] { 1e-3f, 1e3f })
        {
            var h = Cohorts.Honest(5).Select(x => x.Select(v => v * scale).ToArray()).ToArray();
            var centre = new float[7];
            var set = Cohorts.Set(h, Cohorts.Attackers(2));
            var distances = Enumerable.Range(0, set.Count).Select(i => (double)TensorPrimitives.Distance(set[i], centre)).Order().ToArray();
            double tau = distances[set.Count / 2];
            var r = new CenteredClipAggregator(null).Aggregate(set, centre);
            Assert.True(TensorPrimitives.Distance(r.Delta, centre) <= tau * (1 + 1e-5));
            Assert.True(Cohorts.Fate(r, "a0").Scale <= tau / 1e5);
            // One iteration from 0 is (1/n) Σ xᵢ·min(1, τ/‖xᵢ‖) with that τ.
            var expected = new float[7];
            for (int i = 0; i < set.Count; i++)
            {
                double d = TensorPrimitives.Distance(set[i], centre);
                TensorPrimitives.MultiplyAdd(set[i], (float)(Math.Min(1, tau / d) / set.Count), expected, expected);
            }
            Approx.Equal(expected, r.Delta, 1e-4 * scale);
        }
    }

    [Fact]
    public void Norm_bound_clips_each_update_to_the_bound_then_takes_the_weighted_mean()
    {
        var set = new InMemoryUpdateSet(2).Add("small", [0.3f, 0.4f], 1).Add("big", [30f, 40f], 3);
        var r = new NormBoundAggregator(bound: 1).Aggregate(set);
        // big is scaled from norm 50 to 1: (0.6, 0.8); weighted mean with weights 1 and 3.
        Approx.Equal([(0.3 + 3 * 0.6) / 4, (0.4 + 3 * 0.8) / 4], r.Delta, 1e-6);
        Assert.Equal(1, Cohorts.Fate(r, "small").Scale);
        Assert.Equal(1 / 50.0, Cohorts.Fate(r, "big").Scale, 9);
        Assert.Contains("clipped to 1", Cohorts.Fate(r, "big").Why);
        Assert.Equal(0.75, Cohorts.Fate(r, "big").Share, 12);
    }

    [Fact]
    public void Adaptive_norm_bound_is_the_median_norm()
    {
        var set = new InMemoryUpdateSet(1).Add("a", [1]).Add("b", [-2]).Add("c", [3]).Add("d", [1e6f]).Add("e", [-4]);
        var r = new NormBoundAggregator().Aggregate(set);
        // Median norm 3: d → 3, e → −3.
        Approx.Equal([(1 - 2 + 3 + 3 - 3) / 5.0], r.Delta, 1e-6);
        Assert.Equal(3 / 1e6, Cohorts.Fate(r, "d").Scale, 9);
        Assert.Equal(2, r.Fates.Count(f => f.Scale < 1));
    }
}
