namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// The inverse questions a job's author asks: how much noise for a target ε, and how many rounds a noise level
/// affords. Both search a monotone ε: it falls as the noise rises and grows with the rounds (RDP adds per order).
/// </summary>
public static class NoiseCalibration
{
    /// <summary>Above this the search gives up: such noise drowns any update, so the target is not a practical one.</summary>
    public const double MaxNoiseMultiplier = 1e7;

    /// <summary>
    /// The smallest noise multiplier (to a relative 1e-10, rounded up so the target holds) under which
    /// <paramref name="steps"/> rounds at <paramref name="samplingRate"/> spend at most <paramref name="targetEpsilon"/>
    /// at <paramref name="delta"/>; null when even <see cref="MaxNoiseMultiplier"/> does not reach it.
    /// </summary>
    public static double? NoiseMultiplier(double targetEpsilon, double samplingRate, long steps, double delta,
        Sampling sampling = Sampling.Poisson, IReadOnlyList<double>? orders = null)
    {
        if (samplingRate is not (> 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "sampling rate must be in (0, 1]");
        return NoiseMultiplier(new SampledGaussian(sampling, samplingRate, 0), targetEpsilon, steps, delta, orders);
    }

    /// <summary>The same search for rounds like <paramref name="round"/> (its noise multiplier is ignored): Gaussian, or distributed Skellam.</summary>
    public static double? NoiseMultiplier(SampledGaussian round, double targetEpsilon, long steps, double delta, IReadOnlyList<double>? orders = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (targetEpsilon is not > 0 || double.IsPositiveInfinity(targetEpsilon))
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "target epsilon must be positive and finite");
        if (round.SamplingRate is not > 0) throw new ArgumentOutOfRangeException(nameof(round), round.SamplingRate, "sampling rate must be in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (delta is not (> 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be in (0, 1)");
        orders ??= RdpOrders.Default;
        double Epsilon(double z) => EpsilonConversion.Epsilon(orders, Scaled(round.WithNoise(z).Rdp(orders), steps), delta).Epsilon;

        // Bracket: no noise is ε = ∞; double until the target holds.
        double lo = 0, hi = 1;
        while (Epsilon(hi) > targetEpsilon)
        {
            lo = hi;
            hi *= 2;
            if (hi > MaxNoiseMultiplier) return null;
        }
        while (hi - lo > 1e-10 * hi)
        {
            double mid = 0.5 * (lo + hi);
            if (Epsilon(mid) > targetEpsilon) lo = mid; else hi = mid;
        }
        return hi;
    }

    /// <summary>
    /// The most rounds of <paramref name="step"/> that spend at most <paramref name="targetEpsilon"/> at
    /// <paramref name="delta"/>: 0 when one round already exceeds it, <see cref="long.MaxValue"/> when no count does
    /// (q = 0).
    /// </summary>
    public static long MaxSteps(SampledGaussian step, double targetEpsilon, double delta, IReadOnlyList<double>? orders = null)
    {
        if (targetEpsilon is not >= 0) throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "target epsilon must be non-negative");
        if (delta is not (> 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be in (0, 1)");
        orders ??= RdpOrders.Default;
        var one = step.Rdp(orders);
        bool Fits(long steps) => EpsilonConversion.Epsilon(orders, Scaled(one, steps), delta).Epsilon <= targetEpsilon;
        if (!Fits(1)) return 0;
        long lo = 1, hi = 2;
        while (Fits(hi))
        {
            lo = hi;
            if (hi > long.MaxValue / 2) return long.MaxValue;
            hi *= 2;
        }
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            if (Fits(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    static double[] Scaled(double[] rdp, long steps)
    {
        var total = new double[rdp.Length];
        for (int i = 0; i < total.Length; i++) total[i] = rdp[i] * steps;
        return total;
    }
}
