using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>RDP of one Poisson-subsampled Gaussian step: closed forms, the edges, and dp_accounting's own test values.</summary>
public class RdpValueTests
{
    static void Relative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(2.0, 1.0)]
    [InlineData(3.14159, 2.71828)]
    [InlineData(1.1, 0.7)]
    [InlineData(1024, 5.0)]
    public void Without_subsampling_it_is_the_gaussians_alpha_over_two_sigma_squared(double order, double sigma) =>
        Assert.Equal(order / (2 * sigma * sigma), PoissonSampledGaussianRdp.At(1, sigma, order));

    [Fact]
    public void No_sampling_costs_nothing_and_no_noise_costs_everything()
    {
        Assert.Equal(0, PoissonSampledGaussianRdp.At(0, 0, 5));
        Assert.Equal(double.PositiveInfinity, PoissonSampledGaussianRdp.At(0.1, 0, 5));
        Assert.Equal(double.PositiveInfinity, PoissonSampledGaussianRdp.At(0.1, 1, double.PositiveInfinity));
    }

    [Theory]
    [InlineData(0.01, 1.0)]
    [InlineData(0.3, 0.5)]
    [InlineData(1e-4, 4.0)]
    public void At_order_two_it_is_log_of_one_plus_q_squared_times_e_to_the_one_over_sigma_squared_minus_one(double q, double sigma) =>
        // A_2 = E[(1 − q + q·L)²] with E[L²] = e^{1/σ²}: the binomial series stops after three terms.
        // The series sums terms near 1 to a total near 1 + q²·…: allow rounding of those terms, not of the small result.
        Assert.Equal(SpecialFunctions.Log1p(q * q * SpecialFunctions.Expm1(1 / (sigma * sigma))), PoissonSampledGaussianRdp.At(q, sigma, 2), 1e-15);

    [Fact]
    public void Composed_rdp_matches_dp_accountings_poisson_test()
    {
        // rdp_privacy_accountant_test.test_compute_rdp_poisson_sampled_gaussian: 50 steps, q = 0.01, z = 2.5 (rtol 1e-4 there).
        double[] orders = [1.5, 2.5, 5, 50, 100, double.PositiveInfinity];
        double[] expected = [6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02, double.PositiveInfinity];
        var rdp = new RdpAccountant(orders).Compose(SampledGaussian.Poisson(0.01, 2.5), 50).Rdp;
        for (int i = 0; i < orders.Length - 1; i++) Relative(expected[i], rdp[i], 1e-6);
        Assert.Equal(double.PositiveInfinity, rdp[^1]);
    }

    [Theory]
    [InlineData(0.01, 0.7, 3)]
    [InlineData(0.001, 1.3, 7)]
    [InlineData(0.2, 2.0, 10)]
    public void The_fractional_series_meets_the_integer_one_at_an_integer_order(double q, double sigma, int order)
    {
        // Two different series (the split integral vs the binomial sum) for the same quantity.
        double exact = PoissonSampledGaussianRdp.At(q, sigma, order);
        Relative(exact, PoissonSampledGaussianRdp.At(q, sigma, order + 1e-9), 1e-6);
        Relative(exact, PoissonSampledGaussianRdp.At(q, sigma, order - 1e-9), 1e-6);
    }

    [Fact]
    public void The_default_grid_is_dp_accountings()
    {
        var orders = RdpOrders.Default;
        Assert.Equal(156, orders.Count);
        Assert.Equal(1.1, orders[0]);
        Assert.Equal(10.9, orders[98]);
        Assert.Equal([11.0, 12.0], orders.Skip(99).Take(2));
        Assert.Equal([63.0, 128, 256, 512, 1024], orders.Skip(151));
        Assert.Contains(2.0, orders);   // 1 + 10/10 is an integer order: the binomial series, not the fractional one
    }
}
