using Tessera.Data;
using Tessera.Federation.Attacks;
using Tessera.Federation.Robust;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Attacks;

public class AttackTests
{
    static AttackContext Context(IUpdateSet honest, int f, ulong seed = 3, IAggregator? rule = null, IReadOnlyList<float[]?>? own = null) =>
        new(honest, f, new DeterministicRandom(seed), rule, own);

    [Fact]
    public void Sign_flip_sends_the_negated_honest_mean_or_the_attackers_own_update_negated()
    {
        var honest = HonestSets.Gaussian(6, 12);
        var forged = new SignFlip().Forge(Context(honest, 2));
        Assert.Equal(2, forged.Length);
        var mean = HonestSets.Mean(honest);
        Assert.All(forged, x => Approx.Equal(mean.Select(v => -v).ToArray(), x, 1e-5));

        float[] mine = [1, -2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 5];
        var withOwn = new SignFlip().Forge(Context(honest, 2, own: [mine, null]));
        Approx.Equal(mine.Select(v => -v).ToArray(), withOwn[0], 0);
        Approx.Equal(mean.Select(v => -v).ToArray(), withOwn[1], 1e-5);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(2.0)]
    public void Ipm_inner_product_with_the_honest_mean_is_minus_epsilon_times_its_squared_norm(double epsilon)
    {
        var honest = HonestSets.Gaussian(8, 20);
        var forged = new InnerProductManipulation(epsilon).Forge(Context(honest, 3));
        var mean = HonestSets.Mean(honest);
        double squared = mean.Sum(v => v * v);
        Assert.All(forged, x =>
        {
            double dot = x.Select((v, j) => v * mean[j]).Sum();
            Assert.True(dot < 0);
            Assert.Equal(-epsilon * squared, dot, 1e-4 * squared);
        });
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0.25)]
    public void Alie_sends_mean_minus_z_times_the_sample_std_per_coordinate(double z)
    {
        var honest = HonestSets.Gaussian(7, 15);
        var forged = new LittleIsEnough(z).Forge(Context(honest, 2));
        var mean = HonestSets.Mean(honest);
        var std = HonestSets.SampleStd(honest);
        Assert.All(forged, x => Approx.Equal(mean.Select((m, j) => m - z * std[j]).ToArray(), x, 1e-4));
    }

    [Fact]
    public void Alie_without_z_uses_baruchs_z_max_for_n_workers_and_f_attackers()
    {
        // n = 50, f = 12: s = ⌊26⌋ − 12 = 14, z = Φ⁻¹(36/50) = Φ⁻¹(0.72).
        Assert.Equal(0.582842, LittleIsEnough.BaruchZ(50, 12), 1e-5);
        Assert.Equal(1.959964, NormalQuantile.Of(0.975), 1e-6);
        Assert.Equal(-2.326348, NormalQuantile.Of(0.01), 1e-6);
        var honest = HonestSets.Gaussian(38, 6);
        var derived = new LittleIsEnough().Forge(Context(honest, 12))[0];
        Approx.Equal(new LittleIsEnough(LittleIsEnough.BaruchZ(50, 12)).Forge(Context(honest, 12))[0], derived, 1e-6);
    }

    [Fact]
    public void Optimal_alie_moves_a_median_at_least_as_far_as_any_fixed_z_and_further_than_baruchs()
    {
        var median = new TestMedian();
        var honest = HonestSets.Gaussian(10, 40, seed: 5);
        const int f = 3;
        var (optimal, z) = new OptimalLittleIsEnough().ForgeOne(Context(honest, f, rule: median));
        double best = HonestSets.Damage(median, honest, Enumerable.Repeat(optimal, f).ToArray());
        foreach (double fixedZ in new[] { 0.5, 1.0, 1.5, 3.0 })
        {
            double damage = HonestSets.Damage(median, honest, new LittleIsEnough(fixedZ).Forge(Context(honest, f)));
            Assert.True(best >= damage - 1e-6, $"optimal z {z:F2} did {best:F4}, fixed z {fixedZ} did {damage:F4}");
        }
        double baruch = HonestSets.Damage(median, honest, new LittleIsEnough().Forge(Context(honest, f)));
        Assert.True(best > baruch * 1.05, $"optimal {best:F4} vs Baruch's z {baruch:F4}");
    }

    [Fact]
    public void Optimal_attacks_against_the_mean_push_their_factor_far_beyond_the_fixed_defaults()
    {
        var honest = HonestSets.Gaussian(10, 20);
        var (_, z) = new OptimalLittleIsEnough().ForgeOne(Context(honest, 3));   // no rule given: the mean
        Assert.True(z > 100, $"z = {z}");   // against a mean, the damage grows without bound in z
        var mean = new TestMean();
        var (ipm, epsilon) = new OptimalInnerProductManipulation().ForgeOne(Context(honest, 3, rule: mean));
        Assert.True(epsilon > 2, $"ε = {epsilon}");
        Assert.True(HonestSets.Damage(mean, honest, [ipm, ipm, ipm]) > HonestSets.Damage(mean, honest, new InnerProductManipulation(0.1).Forge(Context(honest, 3))));
    }

    [Theory]
    [InlineData("unit_vec")]
    [InlineData("std")]
    [InlineData("sign")]
    public void Min_max_stays_within_the_honest_diameter_with_the_largest_gamma_that_does(string direction)
    {
        var honest = HonestSets.Gaussian(9, 30);
        var forged = new MinMax(direction).Forge(Context(honest, 2));
        double diameter = MinMax.MaxPairwiseDistance(honest);
        Assert.All(forged, x => Assert.True(MinMax.MaxDistanceTo(honest, x) <= diameter));
        var mean = HonestMoments.Mean(honest);
        var deviation = PerturbationDirection.Of(direction, mean, () => HonestMoments.StandardDeviation(honest, mean));
        double gamma = MinMax.Gamma(honest, mean, deviation);
        Assert.True(gamma > 0.1 && gamma < 19.9, $"γ = {gamma}");   // found inside the search's range, not at its edges
        Approx.Equal(MinMax.Candidate(mean, deviation, gamma), forged[0], 0);
        Assert.True(MinMax.MaxDistanceTo(honest, MinMax.Candidate(mean, deviation, gamma * 1.001 + 1e-4)) > diameter, "a larger γ still fits");
    }

    [Fact]
    public void Min_sum_stays_within_the_largest_honest_sum_of_squares_with_the_largest_gamma_that_does()
    {
        var honest = HonestSets.Gaussian(9, 30, seed: 2);
        var forged = new MinSum().Forge(Context(honest, 2))[0];
        double bound = MinSum.MaxSumOfSquares(honest);
        Assert.True(MinSum.SumOfSquaresTo(honest, forged) <= bound);
        var mean = HonestMoments.Mean(honest);
        var unit = PerturbationDirection.Of("unit_vec", mean, () => []);
        double gamma = MinSum.Gamma(honest, mean, unit);
        Assert.True(gamma > 0.1 && gamma < 19.9, $"γ = {gamma}");
        Assert.True(MinSum.SumOfSquaresTo(honest, MinMax.Candidate(mean, unit, gamma * 1.001 + 1e-4)) > bound);
        // Min-Sum's condition is the stricter one: it cannot go further than Min-Max along the same direction.
        Assert.True(gamma <= MinMax.Gamma(honest, mean, unit) + 1e-4);
    }

    [Fact]
    public void Gamma_search_finds_the_edge_of_a_condition_within_its_tolerance()
    {
        Assert.Equal(3.7, GammaSearch.Largest(g => g <= 3.7), 1e-4);
        Assert.Equal(0, GammaSearch.Largest(_ => false));
    }

    [Fact]
    public void Mimic_copies_the_honest_update_furthest_along_the_direction_of_largest_variance()
    {
        var honest = HonestSets.Gaussian(8, 10, seed: 4, drift: 0);
        var shifted = honest[5].ToArray();
        shifted[2] += 25;   // client 5 stands out along coordinate 2, the dominant direction of variance
        var set = new InMemoryUpdateSet(10);
        for (int i = 0; i < honest.Count; i++) set.Add(honest.ClientId(i), i == 5 ? shifted : honest[i].ToArray());
        var forged = new Mimic().Forge(Context(set, 3));
        Assert.All(forged, x => Assert.Equal(shifted, x));
        Assert.Equal(set[1].ToArray(), new Mimic(worker: 1).Forge(Context(set, 1))[0]);
    }

    [Fact]
    public void Gaussian_noise_has_the_asked_spread_and_depends_on_the_seed()
    {
        var honest = HonestSets.Gaussian(4, 5000);
        var forged = new GaussianNoise(sigma: 2, mu: 1).Forge(Context(honest, 2, seed: 9));
        Assert.All(forged, x =>
        {
            Assert.Equal(1, x.Average(v => (double)v), 0.1);
            Assert.Equal(2, Math.Sqrt(x.Average(v => (v - 1.0) * (v - 1.0))), 0.1);
        });
        Assert.NotEqual(forged[0], forged[1]);
        Assert.NotEqual(forged[0], new GaussianNoise(2, 1).Forge(Context(honest, 2, seed: 10))[0]);
    }

    public static TheoryData<string> Forging => new(AttackSpec.Names.Where(n => n is not AttackSpec.LabelFlip and not AttackSpec.Backdoor));

    [Theory]
    [MemberData(nameof(Forging))]
    public void Every_attack_forges_f_updates_of_the_models_length_deterministically_for_a_seed(string name)
    {
        var attack = AttackFactory.Create(new AttackSpec { Name = name })!;
        Assert.Equal(name, attack.Name);
        var honest = HonestSets.Gaussian(7, 25);
        var a = attack.Forge(Context(honest, 3, seed: 11, rule: new TestMedian()));
        var b = attack.Forge(Context(honest, 3, seed: 11, rule: new TestMedian()));
        Assert.Equal(3, a.Length);
        Assert.All(a, x => Assert.Equal(25, x.Length));
        Assert.All(a, x => Assert.All(x, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(a, b);
        // The forged updates differ from the honest mean: every attack moves something.
        var mean = HonestSets.Mean(honest);
        Assert.Contains(a[0].Select((v, j) => Math.Abs(v - mean[j])), d => d > 1e-3);
    }

    [Fact]
    public void Data_poisoning_attacks_forge_nothing()
    {
        Assert.Null(AttackFactory.Create(new AttackSpec { Name = AttackSpec.LabelFlip }));
        Assert.Null(AttackFactory.Create(new AttackSpec { Name = AttackSpec.Backdoor }));
    }
}
