using static Tessera.Federation.Privacy.Accounting.SpecialFunctions;

namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// RDP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar &amp; Zhang 2019), add-or-remove-one adjacency:
/// each client joins a round independently with probability q and the clipped sum gets N(0, (z·clip)²) noise.
/// Computed as dp_accounting's RdpAccountant does, so its ε tables are reproduced.
/// </summary>
public static class PoissonSampledGaussianRdp
{
    /// <summary>The reference's cap on the fractional-order series; past it the order is dropped (+∞).</summary>
    const int MaxFractionalTerms = 1000;

    /// <summary>RDP of one step at <paramref name="order"/>; +∞ without noise.</summary>
    public static double At(double samplingRate, double noiseMultiplier, double order)
    {
        Check(samplingRate, noiseMultiplier, order);
        if (samplingRate == 0) return 0;
        if (double.IsPositiveInfinity(order) || noiseMultiplier == 0) return double.PositiveInfinity;
        if (samplingRate == 1) return order / (2 * noiseMultiplier * noiseMultiplier);
        double logA = order == Math.Floor(order)
            ? LogAInteger(samplingRate, noiseMultiplier, (int)order)
            : LogAFractional(samplingRate, noiseMultiplier, order);
        return logA / (order - 1);
    }

    /// <summary>RDP of one step at each order.</summary>
    public static double[] At(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders)
    {
        var rdp = new double[orders.Count];
        for (int i = 0; i < rdp.Length; i++) rdp[i] = At(samplingRate, noiseMultiplier, orders[i]);
        return rdp;
    }

    internal static void Check(double samplingRate, double noiseMultiplier, double order)
    {
        if (samplingRate is not (>= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "sampling rate must be in [0, 1]");
        if (noiseMultiplier is not >= 0) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "noise multiplier must be non-negative");
        if (order is not > 1) throw new ArgumentOutOfRangeException(nameof(order), order, "Rényi order must be above 1");
    }

    /// <summary>log A_α for integer α: the binomial expansion of E[(1 − q + q·e^{…})^α], term by term in log space.</summary>
    static double LogAInteger(double q, double sigma, int alpha)
    {
        double logA = double.NegativeInfinity, logQ = Math.Log(q), log1mq = Log1p(-q);
        for (int i = 0; i <= alpha; i++)
        {
            double logCoef = LogBinomial(alpha, i) + i * logQ + (alpha - i) * log1mq;
            logA = LogSpace.Add(logA, logCoef + (i * (double)i - i) / (2 * sigma * sigma));
        }
        return logA;
    }

    /// <summary>
    /// log A_α for fractional α (Sec. 3.3 of Mironov et al.): the integral split at z0 where the two Gaussians'
    /// likelihood ratio crosses, each half an infinite binomial-like series summed until its terms are 30 nats
    /// below the total and falling.
    /// </summary>
    static double LogAFractional(double q, double sigma, double alpha)
    {
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double z0 = sigma * sigma * Math.Log(1 / q - 1) + 0.5;
        double logQ = Math.Log(q), log1mq = Log1p(-q), logHalf = Math.Log(0.5), scale = Math.Sqrt(2) * sigma;
        double lastS0 = double.NegativeInfinity, lastS1 = double.NegativeInfinity;
        for (int i = 0; i < MaxFractionalTerms; i++)
        {
            double logCoef = LogBinomial(alpha, i);
            double j = alpha - i;
            double logT0 = logCoef + i * logQ + j * log1mq;
            double logT1 = logCoef + j * logQ + i * log1mq;
            double logE0 = logHalf + LogErfc((i - z0) / scale);
            double logE1 = logHalf + LogErfc((z0 - j) / scale);
            double logS0 = logT0 + (i * (double)i - i) / (2 * sigma * sigma) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
            logA0 = LogSpace.Add(logA0, logS0);
            logA1 = LogSpace.Add(logA1, logS1);
            double total = LogSpace.Add(logA0, logA1);
            if (logS0 < lastS0 && logS1 < lastS1 && Math.Max(logS0, logS1) < total - 30) return total;
            lastS0 = logS0;
            lastS1 = logS1;
        }
        return double.PositiveInfinity;
    }
}
