using Tessera.Federation.Planning;
using Tessera.Federation.Privacy.Accounting;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>
/// Distributed Skellam noise as the accountant charges it: Skellam's RDP (the Gaussian's plus a lattice term) and the
/// generic amplification-by-sampling bounds it needs, checked against the exact Gaussian formulas they generalize.
/// </summary>
public class SkellamAccountingTests
{
    static readonly int[] IntegerOrders = [2, 3, 4, 8, 16, 32, 63, 128, 1024];

    [Fact]
    public void Skellam_costs_more_than_the_Gaussian_and_tends_to_it_as_the_levels_get_fine()
    {
        var coarse = SkellamSensitivity.OfRounded(7.5, 10);                 // q = 4 bits
        var fine = SkellamSensitivity.OfRounded((Math.Pow(2, 16) - 1) / 2, 199_210);   // q = 16, the 2NN
        foreach (int a in IntegerOrders)
        {
            double gaussian = a / (2.0 * 1.1 * 1.1);
            double c = SkellamRdp.At(1.1, coarse, a), f = SkellamRdp.At(1.1, fine, a);
            Assert.True(c - gaussian > 0.005, $"order {a}: the coarse lattice costs {c}, the Gaussian {gaussian}");
            Assert.True(f > gaussian, $"order {a}");
            Assert.True(f < gaussian * (1 + 1e-6), $"order {a}: the fine lattice costs {f}, the Gaussian {gaussian}");
        }
        Assert.Equal(double.PositiveInfinity, SkellamRdp.At(1.1, fine, 2.5));
        Assert.Equal(double.PositiveInfinity, SkellamRdp.At(0, fine, 2));
    }

    [Fact]
    public void Rounding_adds_root_d_to_the_L2_sensitivity_and_an_integer_vector_has_L1_at_most_L2_squared()
    {
        var s = SkellamSensitivity.OfRounded(100, 400);
        Assert.Equal(120, s.L2, 12);
        Assert.Equal(120 * 20, s.L1, 12);
        var tiny = SkellamSensitivity.OfRounded(1, 10_000);
        Assert.Equal(101, tiny.L2, 12);
        Assert.Equal(101 * 100, tiny.L1, 12);   // √d = 100 < L2 = 101
        Assert.Throws<ArgumentOutOfRangeException>(() => SkellamSensitivity.OfRounded(0, 10));
    }

    [Theory]
    [InlineData(Sampling.Poisson, 0.01, 1.0)]
    [InlineData(Sampling.Poisson, 0.1, 0.8)]
    [InlineData(Sampling.Poisson, 0.004, 2.0)]
    [InlineData(Sampling.FixedSize, 0.01, 1.0)]
    [InlineData(Sampling.FixedSize, 0.1, 0.8)]
    public void The_generic_bound_on_a_Gaussian_is_above_the_exact_formula_and_close_to_it(Sampling sampling, double q, double z)
    {
        foreach (int a in IntegerOrders.Where(o => o <= 128))
        {
            double exact = new SampledGaussian(sampling, q, z).Rdp(a);
            double generic = SubsampledRdp.At(sampling, q, l => l / (2 * z * z), a);
            Assert.True(generic >= exact * (1 - 1e-9), $"order {a}: generic {generic} below the exact {exact}");
            Assert.True(generic <= Math.Max(exact * 3, exact + 0.05), $"order {a}: generic {generic} far above the exact {exact}");
            Assert.True(generic <= a / (2 * z * z), "sampling never costs privacy");
        }
    }

    [Fact]
    public void Without_sampling_the_bound_is_the_mechanism_and_sampling_nobody_costs_nothing()
    {
        var s = SkellamSensitivity.OfRounded(1000, 50);
        Assert.Equal(SkellamRdp.At(1.3, s, 7), new SampledGaussian(Sampling.Poisson, 1, 1.3) { Skellam = s }.Rdp(7), 15);
        Assert.Equal(0, new SampledGaussian(Sampling.FixedSize, 0, 1.3) { Skellam = s }.Rdp(7));
        Assert.True(new SampledGaussian(Sampling.Poisson, 0.01, 1.3) { Skellam = s }.Rdp(7) < SkellamRdp.At(1.3, s, 7) / 10);
    }

    static JobSpec Spec(string dp) => JobSpecParser.Parse($$"""
        name: skellam
        clients_per_round: 10
        data: { clients: 100 }
        rounds: 40
        verification: { replay: off }
        privacy: { secure_aggregation: true, dp: { mode: distributed, clip: 1.0, {{dp}} } }
        """);

    [Fact]
    public void A_distributed_job_is_charged_as_Skellam_once_its_model_is_known_and_a_target_still_holds()
    {
        var spec = Spec("noise_multiplier: 1.0");
        var gaussian = PrivacyPlan.From(spec)!;
        var skellam = PrivacyPlan.From(spec, 199_210)!;
        Assert.Null(gaussian.Step.Skellam);
        Assert.NotNull(skellam.Step.Skellam);
        double g = gaussian.SpentAfter(40).Epsilon, s = skellam.SpentAfter(40).Epsilon;
        Assert.True(s > g, $"Skellam ε {s} is not above the Gaussian's {g}");
        Assert.True(s < g * 1.3, $"Skellam ε {s} is far above the Gaussian's {g} at 16 bits");
        Assert.Equal(1.0 * skellam.Step.Skellam!.L2, skellam.DistributedNoiseLevels, 9);

        var target = PrivacyPlan.From(Spec("target_epsilon: 3"), 199_210)!;
        Assert.True(target.SpentAfter(40).Epsilon <= 3, $"ε = {target.SpentAfter(40).Epsilon}");
        Assert.True(target.SpentAfter(40).Epsilon > 2.99);
        Assert.Equal(40, Math.Min(40, target.MaxRounds));
    }

    [Fact]
    public void A_modulus_the_noise_would_overflow_is_refused_naming_the_bits()
    {
        var e = Assert.Throws<JobSpecException>(() => PrivacyPlan.From(JobSpecParser.Parse("""
            name: wide
            clients_per_round: 10
            data: { clients: 100 }
            rounds: 5
            verification: { replay: off }
            privacy: { secure_aggregation: { bits: 24 }, dp: { mode: distributed, clip: 1.0, noise_multiplier: 30 } }
            """), 1000));
        Assert.Equal("privacy.secure_aggregation.bits", e.Field);
    }
}
