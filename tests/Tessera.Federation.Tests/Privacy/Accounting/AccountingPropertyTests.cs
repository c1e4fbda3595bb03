using CsCheck;
using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>The monotonicity the calibration searches rely on, the solve's round trip, and additivity of composition.</summary>
public class AccountingPropertyTests
{
    static readonly Gen<double> Rate = Gen.Double[1e-4, 0.5];
    static readonly Gen<double> Noise = Gen.Double[0.5, 5];
    static readonly Gen<int> Steps = Gen.Int[1, 5000];
    static readonly Gen<double> Delta = Gen.Int[5, 8].Select(k => Math.Pow(10, -k));

    static double Epsilon(double q, double z, long steps, double delta) =>
        new RdpAccountant().Compose(SampledGaussian.Poisson(q, z), steps).Epsilon(delta).Epsilon;

    [Fact]
    public void Epsilon_falls_as_the_noise_rises() =>
        Gen.Select(Rate, Noise, Gen.Double[1.01, 2], Steps).Sample((q, z, factor, t) =>
            Assert.True(Epsilon(q, z * factor, t, 1e-5) <= Epsilon(q, z, t, 1e-5)), iter: 30, threads: 1);

    [Fact]
    public void Epsilon_rises_with_the_rounds()
    {
        // Only the per-order totals change with the count: one step's RDP, scaled.
        Gen.Select(Rate, Noise, Steps, Gen.Int[1, 5000], Delta).Sample((q, z, t, more, delta) =>
        {
            var accountant = new RdpAccountant().Compose(SampledGaussian.Poisson(q, z), t);
            Assert.True(accountant.EpsilonAfter(SampledGaussian.Poisson(q, z), more, delta).Epsilon >= accountant.Epsilon(delta).Epsilon);
        }, iter: 30, threads: 1);
    }

    [Fact]
    public void Epsilon_rises_with_the_sampling_rate() =>
        Gen.Select(Rate, Gen.Double[1.01, 2], Noise, Steps).Sample((q, factor, z, t) =>
            Assert.True(Epsilon(Math.Min(1, q * factor), z, t, 1e-5) >= Epsilon(q, z, t, 1e-5)), iter: 30, threads: 1);

    [Fact]
    public void The_solved_noise_spends_the_target() =>
        Gen.Select(Gen.Double[0.3, 10], Gen.Double[1e-3, 0.1], Gen.Int[10, 3000], Delta).Sample((target, q, t, delta) =>
        {
            double z = NoiseCalibration.NoiseMultiplier(target, q, t, delta)!.Value;
            double spent = Epsilon(q, z, t, delta);
            // At or just under the target: ε is flat nowhere here, so the bisection's 1e-10 in z is ~1e-9 in ε.
            Assert.True(spent <= target && spent >= target * (1 - 1e-6), $"target {target}, z {z}, spent {spent}");
        }, iter: 8, threads: 1);

    [Fact]
    public void Composing_rounds_one_at_a_time_equals_composing_them_at_once() =>
        Gen.Select(Rate, Noise, Gen.Int[1, 200], Gen.Bool).Sample((q, z, t, fixedSize) =>
        {
            var step = fixedSize ? new SampledGaussian(Sampling.FixedSize, q, z) : SampledGaussian.Poisson(q, z);
            var stepwise = new RdpAccountant();
            for (int i = 0; i < t; i++) stepwise.Compose(step);
            var atOnce = new RdpAccountant().Compose(step, t);
            for (int i = 0; i < atOnce.Rdp.Count; i++) Assert.Equal(atOnce.Rdp[i], stepwise.Rdp[i], 1e-12 * Math.Max(1, atOnce.Rdp[i]));
            Assert.Equal(atOnce.Epsilon(1e-5).Epsilon, stepwise.Epsilon(1e-5).Epsilon, 1e-9);
        }, iter: 20, threads: 1);
}
