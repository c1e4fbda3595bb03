using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>
/// RDP of a fixed-size cohort drawn without replacement (WBK19 Thm. 27 as dp_accounting computes it), against what
/// the theorem gives in closed form: its q = 1 and q = 0 ends, the order-2 term, its general bound (Thm. 9) above
/// order 256 where the reference switches to it, and its factor-4 relation to Poisson sampling at small q.
/// </summary>
public class FixedSizeRdpTests
{
    static void Relative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(2.0, 1.0)]
    [InlineData(7.5, 0.8)]
    public void The_whole_population_each_round_is_the_plain_gaussian(double order, double sigma)
    {
        Assert.Equal(order / (2 * sigma * sigma), FixedSizeSampledGaussianRdp.At(1, sigma, order));
        Assert.Equal(0, FixedSizeSampledGaussianRdp.At(0, sigma, order));
        Assert.Equal(double.PositiveInfinity, FixedSizeSampledGaussianRdp.At(0.1, 0, order));
    }

    [Theory]
    [InlineData(0.01, 1.0)]
    [InlineData(0.1, 0.5)]
    [InlineData(0.5, 3.0)]
    public void At_order_two_it_is_the_theorems_first_term(double q, double sigma)
    {
        // log(1 + q²·C(2,2)·min(4(e^{ε(2)} − 1), 2e^{ε(2)})), ε(2) = 1/σ² the Gaussian's RDP at order 2.
        double e2 = 1 / (sigma * sigma);
        double expected = Math.Log(1 + q * q * Math.Min(4 * (Math.Exp(e2) - 1), 2 * Math.Exp(e2)));
        Relative(expected, FixedSizeSampledGaussianRdp.At(q, sigma, 2), 1e-12);
    }

    [Fact]
    public void Above_order_256_it_is_the_general_bound_of_theorem_9()
    {
        double q = 0.001, sigma = 4.0;
        int alpha = 512;
        Relative(Theorem9(q, sigma, alpha) / (alpha - 1), FixedSizeSampledGaussianRdp.At(q, sigma, alpha), 1e-9);
    }

    [Fact]
    public void Below_order_256_the_gaussian_specific_terms_never_exceed_the_general_bound()
    {
        double q = 0.02, sigma = 1.5;
        foreach (int alpha in new[] { 3, 5, 10, 40, 256 })
            Assert.True(FixedSizeSampledGaussianRdp.At(q, sigma, alpha) <= Theorem9(q, sigma, alpha) / (alpha - 1) * (1 + 1e-12), $"order {alpha}");
    }

    [Fact]
    public void Fractional_orders_interpolate_the_cumulant_between_integers()
    {
        double q = 0.05, sigma = 1.1;
        double at3 = FixedSizeSampledGaussianRdp.At(q, sigma, 3), at4 = FixedSizeSampledGaussianRdp.At(q, sigma, 4);
        // (α − 1)·RDP(α) is linear in α between 3 and 4.
        Relative((0.7 * 2 * at3 + 0.3 * 3 * at4) / 2.3, FixedSizeSampledGaussianRdp.At(q, sigma, 3.3), 1e-12);
        // Between 1 and 2 the cumulant starts at 0.
        Relative(0.5 * FixedSizeSampledGaussianRdp.At(q, sigma, 2) / 0.5, FixedSizeSampledGaussianRdp.At(q, sigma, 1.5), 1e-12);
    }

    [Fact]
    public void At_small_q_and_large_noise_replace_one_costs_four_times_poisson()
    {
        // Order 2: Poisson is log(1 + q²(e^{1/σ²} − 1)), fixed-size log(1 + 4q²(e^{1/σ²} − 1)) once 4(e^x − 1) < 2e^x:
        // replacing a client moves the sum twice as far as adding one.
        double q = 1e-4, sigma = 10;
        // Both are log(1 + ~1e-10) summed from terms near 1, so each carries ~1e-15 of rounding: compare to 1e-4.
        Relative(4, FixedSizeSampledGaussianRdp.At(q, sigma, 2) / PoissonSampledGaussianRdp.At(q, sigma, 2), 1e-4);
        Assert.True(FixedSizeSampledGaussianRdp.At(q, sigma, 20) > PoissonSampledGaussianRdp.At(q, sigma, 20));
    }

    [Fact]
    public void A_fixed_cohort_is_its_share_of_the_population()
    {
        var step = SampledGaussian.FixedSize(cohort: 50, population: 1000, noiseMultiplier: 1.0);
        Assert.Equal(0.05, step.SamplingRate);
        Assert.Equal(FixedSizeSampledGaussianRdp.At(0.05, 1.0, 8), step.Rdp(8));
    }

    /// <summary>
    /// log(1 + q²C(α,2)·min(4(e^{ε(2)}−1), 2e^{ε(2)}) + Σ_{j≥3} q^j C(α,j)·2e^{(j−1)ε(j)}), ε(j) = j/(2σ²): WBK19's
    /// general bound, summed directly (terms shifted by their largest so nothing overflows).
    /// </summary>
    static double Theorem9(double q, double sigma, int alpha)
    {
        double e2 = 1 / (sigma * sigma);
        var logs = new List<double> { 0, 2 * Math.Log(q) + LogBinomial(alpha, 2) + Math.Log(Math.Min(4 * (Math.Exp(e2) - 1), 2 * Math.Exp(e2))) };
        for (int j = 3; j <= alpha; j++) logs.Add(j * Math.Log(q) + LogBinomial(alpha, j) + Math.Log(2) + (j - 1) * j / (2 * sigma * sigma));
        double top = logs.Max();
        return top + Math.Log(logs.Sum(l => Math.Exp(l - top)));
    }

    static double LogBinomial(int n, int k)
    {
        double c = 0;
        for (int i = 1; i <= k; i++) c += Math.Log((double)(n - k + i) / i);
        return c;
    }
}
