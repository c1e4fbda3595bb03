namespace Tessera.Data;

/// <summary>
/// SplitMix64-based generator. Its output is fixed by the algorithm, unlike System.Random's, so seeds in
/// experiment configs reproduce the same splits and batches on every platform and .NET version.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        // Reject the top sliver of the range that would favour small values.
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong x;
        do x = NextUInt64(); while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>Standard normal via the Marsaglia polar method.</summary>
    public double NextGaussian()
    {
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.Sqrt(-2 * Math.Log(s) / s);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 use the U^(1/shape) boost.</summary>
    public double NextGamma(double shape)
    {
        if (!(shape > 0) || double.IsInfinity(shape))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "gamma shape must be positive and finite");
        if (shape < 1)
        {
            double u = 1 - NextDouble(); // (0, 1], never zero
            return NextGamma(shape + 1) * Math.Pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (u > 0 && Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>A draw from the symmetric Dirichlet(alpha) over <paramref name="k"/> categories.</summary>
    public double[] NextDirichlet(double alpha, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) sum += p[i] = NextGamma(alpha);
        if (sum == 0)
        {
            // Tiny alphas can underflow every gamma draw; the limit is all mass on one category.
            p[NextInt(k)] = 1;
            return p;
        }
        for (int i = 0; i < k; i++) p[i] /= sum;
        return p;
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }
}
