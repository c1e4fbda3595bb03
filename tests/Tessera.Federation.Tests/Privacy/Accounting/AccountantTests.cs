using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>The accountant a coordinator drives a round at a time: composition, look-ahead, checkpoints, calibration.</summary>
public class AccountantTests
{
    static readonly SampledGaussian Mnist = SampledGaussian.Poisson(150 / 60000.0, 1.3);

    [Fact]
    public void Rounds_added_one_at_a_time_spend_what_they_spend_at_once()
    {
        var stepwise = new RdpAccountant();
        for (int i = 0; i < 600; i++) stepwise.Compose(Mnist);
        var atOnce = new RdpAccountant().Compose(Mnist, 600);
        Assert.Equal(600, stepwise.Steps);
        for (int i = 0; i < atOnce.Rdp.Count; i++) Assert.Equal(atOnce.Rdp[i], stepwise.Rdp[i], 1e-12 * atOnce.Rdp[i]);
        Assert.Equal(atOnce.Epsilon(1e-5).Epsilon, stepwise.Epsilon(1e-5).Epsilon, 1e-12);
    }

    [Fact]
    public void Looking_ahead_composes_nothing_and_agrees_with_composing()
    {
        var accountant = new RdpAccountant().Compose(Mnist, 5999);
        var before = accountant.Epsilon(1e-5);
        var ahead = accountant.EpsilonAfter(Mnist, 1, 1e-5);
        Assert.Equal(before, accountant.Epsilon(1e-5));
        Assert.True(ahead.Epsilon > before.Epsilon);
        Assert.False(accountant.WouldExceed(Mnist, targetEpsilon: 0.73, delta: 1e-5));
        Assert.True(accountant.WouldExceed(Mnist, targetEpsilon: 0.7242, delta: 1e-5));
        Assert.Equal(ahead, accountant.Compose(Mnist).Epsilon(1e-5));
    }

    [Fact]
    public void A_checkpointed_vector_restores_the_same_accountant()
    {
        var original = new RdpAccountant().Compose(Mnist, 1000).Compose(SampledGaussian.FixedSize(20, 500, 1.1), 3);
        var restored = RdpAccountant.Restore(original.Orders, original.Rdp, original.Steps);
        Assert.Equal(original.Epsilon(1e-6), restored.Epsilon(1e-6));
        Assert.Equal(1003, restored.Steps);
    }

    [Fact]
    public void Nothing_composed_is_no_loss_and_no_noise_is_infinite_loss()
    {
        Assert.Equal(0, new RdpAccountant().Epsilon(1e-5).Epsilon);
        Assert.Equal(0, new RdpAccountant().Compose(SampledGaussian.Poisson(0.1, 0), 0).Epsilon(1e-5).Epsilon);
        Assert.Equal(double.PositiveInfinity, new RdpAccountant().Compose(SampledGaussian.Poisson(0.1, 0)).Epsilon(1e-5).Epsilon);
    }

    [Fact]
    public void Bad_parameters_are_refused_by_name()
    {
        Assert.Equal("SamplingRate", Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussian.Poisson(1.5, 1)).ParamName);
        Assert.Equal("NoiseMultiplier", Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussian.Poisson(0.1, -1)).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant().Epsilon(0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => SampledGaussian.FixedSize(11, 10, 1));
    }

    [Fact]
    public void The_solved_noise_meets_the_target_and_a_little_less_does_not()
    {
        double z = NoiseCalibration.NoiseMultiplier(targetEpsilon: 0.7242234026109595, samplingRate: 150 / 60000.0, steps: 6000, delta: 1e-5)!.Value;
        Assert.Equal(1.3, z, 1e-6);
        var at = new RdpAccountant().Compose(SampledGaussian.Poisson(150 / 60000.0, z), 6000).Epsilon(1e-5).Epsilon;
        Assert.True(at <= 0.7242234026109595);
        Assert.True(new RdpAccountant().Compose(SampledGaussian.Poisson(150 / 60000.0, z * (1 - 1e-8)), 6000).Epsilon(1e-5).Epsilon > 0.7242234026109595 - 1e-6);
    }

    [Fact]
    public void An_unreachable_target_has_no_noise()
    {
        Assert.Null(NoiseCalibration.NoiseMultiplier(targetEpsilon: 1e-12, samplingRate: 1, steps: 1_000_000, delta: 1e-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseCalibration.NoiseMultiplier(0, 0.1, 10, 1e-5));
    }

    [Fact]
    public void Max_steps_is_the_last_round_within_the_target()
    {
        long steps = NoiseCalibration.MaxSteps(Mnist, targetEpsilon: 0.7242234026109595 + 1e-9, delta: 1e-5);
        Assert.Equal(6000, steps);
        Assert.Equal(0, NoiseCalibration.MaxSteps(SampledGaussian.Poisson(1, 0.5), targetEpsilon: 0.1, delta: 1e-5));
        Assert.Equal(long.MaxValue, NoiseCalibration.MaxSteps(SampledGaussian.Poisson(0, 1), targetEpsilon: 0.1, delta: 1e-5));
    }

    [Fact]
    public void Fixed_size_calibration_needs_more_noise_than_poisson_at_the_same_rate()
    {
        double poisson = NoiseCalibration.NoiseMultiplier(2, 0.01, 1000, 1e-5)!.Value;
        double fixedSize = NoiseCalibration.NoiseMultiplier(2, 0.01, 1000, 1e-5, Sampling.FixedSize)!.Value;
        Assert.True(fixedSize > poisson, $"fixed {fixedSize}, poisson {poisson}");
    }
}
