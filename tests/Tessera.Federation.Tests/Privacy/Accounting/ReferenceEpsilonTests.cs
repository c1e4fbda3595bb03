using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Tests.Privacy.Accounting;

/// <summary>
/// The published ε of TensorFlow Privacy's compute_dp_sgd_privacy_test.py (dp_accounting's RdpAccountant on its
/// default orders), reproduced to a relative 1e-6.
/// </summary>
public class ReferenceEpsilonTests
{
    public static TheoryData<double, double, long, double, double, double?> Table => new()
    {
        // q, z, steps, δ, ε, best order (where the reference states it)
        { 150 / 60000.0, 1.3, 6000, 1e-5, 0.7242234026109595, 19 },   // Test0: MNIST, 150 of 60000, 15 epochs
        { 100 / 100000.0, 1.0, 30000, 1e-7, 1.4154988495444842, 13 },  // Test1: 100 of 100000, 30 epochs
        { 0.01, 0.7, 120, 1e-5, 3.2392676, null },                     // no microbatching, Poisson 0.01, 1.2 epochs
        { 1.0, 0.7, 2, 1e-5, 10.8602036, null },                       // no microbatching, no subsampling
        { 0.01, 0.35, 120, 1e-5, 22.6248601, null },                   // microbatching halves z
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Epsilon_matches_the_published_table(double q, double z, long steps, double delta, double epsilon, double? order)
    {
        var spent = new RdpAccountant().Compose(SampledGaussian.Poisson(q, z), steps).Epsilon(delta);
        Assert.True(Math.Abs(spent.Epsilon - epsilon) <= 1e-6 * epsilon, $"ε = {spent.Epsilon:R} (order {spent.Order}), expected {epsilon:R}");
        if (order is { } o) Assert.Equal(o, spent.Order);
    }
}
