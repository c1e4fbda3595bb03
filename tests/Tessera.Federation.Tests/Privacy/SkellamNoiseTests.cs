using Tessera.Data;
using Tessera.Federation.Privacy;
using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy;

/// <summary>The distributed noise's sampler: Poisson and Skellam variates with the right law, added mod 2^b and read back centred.</summary>
public class SkellamNoiseTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(3)]
    [InlineData(9.9)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(1e4)]
    [InlineData(1e8)]
    public void Poisson_variates_have_the_mean_and_variance_of_their_law(double mean)
    {
        const int N = 200_000;
        var random = new DeterministicRandom(7);
        double sum = 0, squares = 0;
        for (int i = 0; i < N; i++)
        {
            double k = SkellamNoise.Poisson(mean, random);
            Assert.True(k >= 0);
            sum += k;
            squares += k * k;
        }
        double m = sum / N, v = squares / N - m * m;
        Assert.True(Math.Abs(m - mean) < 5 * Math.Sqrt(mean / N), $"mean {m} for Poisson({mean})");
        Assert.True(Math.Abs(v / mean - 1) < 0.03, $"variance {v} for Poisson({mean})");
    }

    [Theory]
    [InlineData(4)]    // inversion
    [InlineData(30)]   // transformed rejection
    public void Poisson_frequencies_match_the_probability_mass_function(double mean)
    {
        const int N = 400_000;
        var random = new DeterministicRandom(11);
        var counts = new Dictionary<long, int>();
        for (int i = 0; i < N; i++)
        {
            long k = SkellamNoise.Poisson(mean, random);
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }
        for (int k = (int)Math.Max(0, mean - 2 * Math.Sqrt(mean)); k <= mean + 2 * Math.Sqrt(mean); k++)
        {
            double logP = -mean + k * Math.Log(mean) - Enumerable.Range(1, k).Sum(j => Math.Log(j));
            double p = Math.Exp(logP), expected = N * p, spread = Math.Sqrt(N * p * (1 - p));
            Assert.True(Math.Abs(counts.GetValueOrDefault(k) - expected) < 5 * spread, $"P(K = {k}) for Poisson({mean}): {counts.GetValueOrDefault(k)} of {N}, expected {expected:F0}");
        }
    }

    [Fact]
    public void Skellam_shares_are_symmetric_integers_of_the_asked_variance()
    {
        const int N = 200_000;
        var random = new DeterministicRandom(3);
        double sum = 0, squares = 0;
        int positive = 0, negative = 0;
        for (int i = 0; i < N; i++)
        {
            long x = SkellamNoise.Next(2.5e6, random);
            sum += x;
            squares += (double)x * x;
            if (x > 0) positive++; else if (x < 0) negative++;
        }
        double v = squares / N - (sum / N) * (sum / N);
        Assert.True(Math.Abs(sum / N) < 5 * Math.Sqrt(2.5e6 / N));
        Assert.True(Math.Abs(v / 2.5e6 - 1) < 0.02, $"variance {v}");
        Assert.True(Math.Abs(positive - negative) < 5 * Math.Sqrt(N), $"{positive} positive, {negative} negative");
    }

    [Fact]
    public void Noise_added_mod_2_to_the_b_wraps_and_the_centred_sum_reads_it_back()
    {
        // Three clients' all-zero updates sit at the midpoint (2^q − 1)/2 each; their noise is what the sum decodes to.
        var quantizer = new SecureQuantizer(1, 8, 3, bits: 16);
        int d = 20_000;
        var sum = new uint[d];
        var random = new DeterministicRandom(5);
        double variance = 1e5;   // σ ≈ 316 levels each, so the sum (midpoint 382.5, σ ≈ 548) often falls below 0 and wraps
        for (int c = 0; c < 3; c++)
        {
            var words = new uint[d];
            quantizer.Quantize(new float[d], words, new Random(c));
            SkellamNoise.AddInPlace(words, variance, quantizer.Bits, random);
            for (int i = 0; i < d; i++) sum[i] = (sum[i] + words[i]) & SecureQuantizer.Mask(quantizer.Bits);
        }
        Assert.InRange(sum.Count(w => w > 1 << 15), d / 5, d / 2);   // wrapped past 0 to just under 2^16
        var decoded = new float[d];
        quantizer.Dequantize(sum, 3, decoded);
        double mean = decoded.Average(v => (double)v), std = Math.Sqrt(decoded.Average(v => (double)v * v) - mean * mean);
        double expected = Math.Sqrt(3 * variance + 3 / 4.0) * quantizer.Step;   // the noise, plus each rounding of the half-level midpoint
        Assert.True(Math.Abs(mean) < 5 * expected / Math.Sqrt(d), $"mean {mean}");
        Assert.True(Math.Abs(std / expected - 1) < 0.03, $"std {std}, expected {expected}");
    }

    [Fact]
    public void A_modulus_below_what_the_inputs_need_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SecureQuantizer(1, 16, 4, bits: 18));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SecureQuantizer(1, 16, 4, bits: 33));
        Assert.Equal(SecureQuantizer.BitsFor(16, 4), SecureQuantizer.BitsWithNoise(16, 4, 0));
        Assert.Equal(SecureQuantizer.BitsFor(16, 4) + 3, SecureQuantizer.BitsWithNoise(16, 4, 5 * 32767.5));   // 4 + 60 half-ranges: 2^5 more
    }
}
