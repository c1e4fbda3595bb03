using Tessera.Data;
using Tessera.Federation.Privacy.Accounting;

namespace Tessera.Federation.Privacy;

/// <summary>
/// Symmetric Skellam noise, Poisson(μ/2) − Poisson(μ/2): integer, variance μ, and a sum of independent ones is again
/// Skellam, so the shares of a secure round's clients add up to one Skellam mechanism on the integer sum that the
/// accountant can charge exactly (<see cref="SkellamRdp"/>). Each worker adds its share to its quantized words, so
/// no one, the coordinator included, sees an update or a sum without noise.
/// Poisson variates: inversion below mean 10, else Hörmann's transformed rejection (PTRS, 1993), both exact.
/// </summary>
public static class SkellamNoise
{
    /// <summary>One Skellam variate of variance <paramref name="variance"/>.</summary>
    public static long Next(double variance, DeterministicRandom random)
    {
        double half = variance / 2;
        return Poisson(half, random) - Poisson(half, random);
    }

    /// <summary>Adds a Skellam share of variance <paramref name="variance"/> to each word, mod 2^<paramref name="bits"/>.</summary>
    public static void AddInPlace(Span<uint> words, double variance, int bits, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(variance >= 0) || double.IsInfinity(variance)) throw new ArgumentOutOfRangeException(nameof(variance), variance, "the variance must be finite and non-negative");
        if (bits is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(bits), bits, "b must be 1..32");
        if (variance == 0) return;
        uint mask = SecureAggregation.SecureQuantizer.Mask(bits);
        // Two's complement wraps a negative share onto 2^32 − |x|, which reduced mod 2^b is 2^b − |x|.
        for (int i = 0; i < words.Length; i++) words[i] = unchecked(words[i] + (uint)Next(variance, random)) & mask;
    }

    /// <summary>A Poisson variate of mean <paramref name="mean"/>.</summary>
    public static long Poisson(double mean, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(mean >= 0) || double.IsInfinity(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "the mean must be finite and non-negative");
        if (mean == 0) return 0;
        return mean < 10 ? ByInversion(mean, random) : ByTransformedRejection(mean, random);
    }

    static long ByInversion(double mean, DeterministicRandom random)
    {
        double u = random.NextDouble(), p = Math.Exp(-mean), cumulative = p;
        long k = 0;
        // The tail past k = 1000 has probability below 1e-300 for a mean under 10: stop there.
        while (u >= cumulative && k < 1000)
        {
            k++;
            p *= mean / k;
            cumulative += p;
        }
        return k;
    }

    static long ByTransformedRejection(double mean, DeterministicRandom random)
    {
        double root = Math.Sqrt(mean), logMean = Math.Log(mean);
        double b = 0.931 + 2.53 * root;
        double a = -0.059 + 0.02483 * b;
        double inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = random.NextDouble() - 0.5, v = random.NextDouble();
            double us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + mean + 0.43);
            if (us >= 0.07 && v <= vr) return (long)k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.Log(v) + Math.Log(inverseAlpha) - Math.Log(a / (us * us) + b) <= -mean + k * logMean - SpecialFunctions.LogGamma(k + 1))
                return (long)k;
        }
    }
}
