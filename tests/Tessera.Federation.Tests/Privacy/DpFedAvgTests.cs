using System.Numerics.Tensors;
using Tessera.Data;
using Tessera.Federation.Privacy;
using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests.Privacy;

/// <summary>The clip and noise stages of DP-FedAvg: what bounds one client's influence, and what hides it.</summary>
public class DpFedAvgTests
{
    static DpMechanism Mechanism(double clip = 1, double z = 0, int m = 10, AdaptiveClipping? adaptive = null) => new(clip, z, m, adaptive);

    static float[] OfNorm(int d, double norm, int seed)
    {
        var v = Updates.Random(new Random(seed), d);
        TensorPrimitives.Multiply(v, (float)(norm / TensorPrimitives.Norm<float>(v)), v);
        return v;
    }

    [Fact]
    public void Each_update_is_clipped_and_the_mean_divides_by_the_expected_cohort_not_by_who_came()
    {
        var agg = new PrivateRoundAggregator(1, 2, 0, Mechanism(clip: 1, m: 10), 1, () => new DeterministicRandom(1));
        agg.Fold(Updates.Of("a", [3f, 4f], samples: 500));   // norm 5 → scaled to norm 1: (0.6, 0.8)
        agg.Fold(Updates.Of("b", [0.1f, 0f], samples: 1));   // within the bound, kept; the sample count does not weigh it
        var r = agg.Finish();
        Approx.Equal([0.07, 0.08], r.Delta, 1e-6);
        Assert.Equal(2, r.ClientCount);
        Assert.Null(r.Privacy!.UnclippedFraction);   // a fixed bound releases no count
    }

    [Fact]
    public void The_noise_has_the_standard_deviation_z_C_over_m()
    {
        const int d = 200_000;
        var agg = new PrivateRoundAggregator(1, d, 0, Mechanism(clip: 2, z: 1.5, m: 20), 2, () => new DeterministicRandom(7));
        agg.Fold(Updates.Of("a", new float[d]));
        var r = agg.Finish();
        double std = Math.Sqrt(r.Delta.Select(x => (double)x * x).Average());
        Assert.InRange(std, 0.98 * 1.5 * 2 / 20, 1.02 * 1.5 * 2 / 20);
        Assert.Equal(1.5 * 2 / 20, r.Privacy!.NoiseStd, 12);
    }

    [Fact]
    public void Partials_from_two_nodes_sum_to_what_one_node_folds_and_the_noise_is_added_once()
    {
        var updates = Enumerable.Range(0, 6).Select(i => Updates.Of($"c{i}", OfNorm(50, 0.5 + i, i))).ToArray();
        var one = new PrivateRoundAggregator(1, 50, 0, Mechanism(m: 6), 1, () => new DeterministicRandom(1));
        foreach (var u in updates) one.Fold(u);
        var a = new PrivateRoundAggregator(1, 50, 0, Mechanism(m: 6), 1, () => throw new InvalidOperationException("a partial must not draw noise"));
        var b = new PrivateRoundAggregator(1, 50, 0, Mechanism(m: 6), 1, () => new DeterministicRandom(1));
        foreach (var u in updates[..2]) a.Fold(u);
        foreach (var u in updates[2..]) b.Fold(u);
        b.Merge(a.TakePartial());
        Approx.Equal(one.Finish().Delta, b.Finish().Delta, 1e-6);
    }

    [Fact]
    public void A_wrong_length_update_is_refused_and_changes_nothing()
    {
        var agg = new PrivateRoundAggregator(1, 3, 0, Mechanism(m: 2), 1, () => new DeterministicRandom(1));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("a", [1f, 2f, 3f, 4f])));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("a", [1f, float.NaN, 3f])));
        Assert.Equal(0, agg.Count);
        agg.Fold(Updates.Of("a", [0.5f, 0, 0]));
        Assert.Equal(1, agg.Count);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.8)]
    [InlineData(0.2)]
    public void Adaptive_clipping_converges_to_the_target_quantile_of_known_norms(double quantile)
    {
        // 100 clients with norms 1..100: the γ-quantile is about 100γ. Start far above it, with Andrew et al.'s η and σ_b.
        const int m = 100;
        var adaptive = new AdaptiveClipping(quantile, 0.2, AdaptiveClipping.DefaultCountNoise(m));
        var mechanism = Mechanism(clip: 1000, z: 1, m: m, adaptive: adaptive);
        var strategy = new PrivateStrategy(new FedAvg(), mechanism, r => new DeterministicRandom((ulong)r));
        var model = strategy.Initialize(new float[4]);
        var norms = Enumerable.Range(1, m).ToArray();
        var late = new List<double>();
        for (int round = 1; round <= 300; round++)
        {
            var agg = strategy.BeginRound(round, model);
            foreach (int n in norms) agg.Fold(Updates.Of($"c{n}", OfNorm(4, n, n), baseVersion: model.Version));
            model = strategy.Apply(model, agg.Finish());
            if (round > 200) late.Add(strategy.ClipOf(model));
        }
        double within = norms.Count(n => n <= late.Average()) / (double)m;
        Assert.InRange(within, quantile - 0.06, quantile + 0.06);
    }

    [Fact]
    public void Adaptive_clipping_takes_its_share_of_the_noise_budget_from_the_updates()
    {
        var adaptive = new AdaptiveClipping(0.5, 0.2, CountNoise: 5);
        // z⁻² = z_Δ⁻² + (2σ_b)⁻²: with z = 1 and 2σ_b = 10, z_Δ = (1 − 1/100)^(−½).
        Assert.Equal(1 / Math.Sqrt(0.99), adaptive.UpdateNoiseMultiplier(1), 12);
        Assert.Throws<ArgumentException>(() => new AdaptiveClipping(0.5, 0.2, CountNoise: 0.4).UpdateNoiseMultiplier(1));
    }

    [Fact]
    public void The_bound_is_server_state_so_a_restored_model_clips_where_it_left_off()
    {
        var strategy = new PrivateStrategy(new FedAvgM(), Mechanism(clip: 3, m: 1, adaptive: new AdaptiveClipping(0.5, 0.2, 1)), r => new DeterministicRandom((ulong)r));
        var model = strategy.Initialize(new float[2]);
        Assert.Equal(3, strategy.ClipOf(model), 6);
        var agg = strategy.BeginRound(1, model);
        agg.Fold(Updates.Of("a", [0.1f, 0]));
        var next = strategy.Apply(model, agg.Finish());
        Assert.NotEqual(3, strategy.ClipOf(next), 3);
        Assert.Equal(strategy.ClipOf(next), next.State.Get(PrivateStrategy.ClipKey)![0], 6);
        Assert.NotNull(next.State.Get(FedAvgM.MomentumKey));   // the inner strategy's own state is kept beside it
    }
}
