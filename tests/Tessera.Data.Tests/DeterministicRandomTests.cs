namespace Tessera.Data.Tests;

public class DeterministicRandomTests
{
    [Fact]
    public void MatchesSplitMix64ReferenceOutputs()
    {
        // SplitMix64 from seed 0: published first outputs of the reference C implementation.
        var rng = new DeterministicRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void SameSeedSameStreamDifferentSeedDifferentStream()
    {
        var a = new DeterministicRandom(42).Permutation(100);
        var b = new DeterministicRandom(42).Permutation(100);
        var c = new DeterministicRandom(43).Permutation(100);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
    }

    [Fact]
    public void NextIntStaysInRangeAndCoversIt()
    {
        var rng = new DeterministicRandom(1);
        var seen = new int[7];
        for (int i = 0; i < 7000; i++) seen[rng.NextInt(7)]++;
        Assert.All(seen, count => Assert.InRange(count, 850, 1150));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(5.0)]
    public void GammaHasExpectedMeanAndVariance(double shape)
    {
        // Gamma(k, 1) has mean k and variance k.
        var rng = new DeterministicRandom(9);
        const int n = 40000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double g = rng.NextGamma(shape);
            Assert.True(g >= 0);
            sum += g;
            sumSq += g * g;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        Assert.InRange(mean, shape * 0.95, shape * 1.05);
        Assert.InRange(variance, shape * 0.9, shape * 1.1);
    }

    [Fact]
    public void GaussianIsStandardNormal()
    {
        var rng = new DeterministicRandom(3);
        const int n = 40000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++) { double g = rng.NextGaussian(); sum += g; sumSq += g * g; }
        Assert.InRange(sum / n, -0.03, 0.03);
        Assert.InRange(sumSq / n, 0.97, 1.03);
    }

    [Fact]
    public void DirichletSumsToOneEvenForTinyAlpha()
    {
        var rng = new DeterministicRandom(5);
        foreach (double alpha in new[] { 1e-4, 0.1, 10 })
        {
            var p = rng.NextDirichlet(alpha, 10);
            Assert.Equal(1.0, p.Sum(), 9);
            Assert.All(p, v => Assert.InRange(v, 0, 1));
        }
    }
}
