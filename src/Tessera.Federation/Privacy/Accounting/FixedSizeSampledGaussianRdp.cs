using static Tessera.Federation.Privacy.Accounting.SpecialFunctions;

namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// RDP of the Gaussian mechanism on a cohort of fixed size m drawn without replacement from N clients, q = m/N,
/// replace-one adjacency (N public): Theorem 27 of Wang, Balle &amp; Kasiviswanathan 2019, computed as dp_accounting's
/// _compute_rdp_sample_wor_gaussian does. Integer orders are the bound itself; fractional ones interpolate the
/// cumulant (α − 1)·RDP linearly between the neighbouring integers (their Corollary 10).
/// </summary>
public static class FixedSizeSampledGaussianRdp
{
    /// <summary>Up to this order the bound is computed exactly (O(α²) forward differences); above it, its cheaper upper bound.</summary>
    const int MaxExactOrder = 256;

    static readonly double Log2 = Math.Log(2), Log4 = Math.Log(4);

    /// <summary>RDP of one step at <paramref name="order"/>; +∞ without noise.</summary>
    public static double At(double samplingRate, double noiseMultiplier, double order)
    {
        PoissonSampledGaussianRdp.Check(samplingRate, noiseMultiplier, order);
        if (samplingRate == 0) return 0;
        // The reference divides by σ² here; without noise nothing bounds the loss.
        if (noiseMultiplier == 0) return double.PositiveInfinity;
        if (samplingRate == 1) return order / (2 * noiseMultiplier * noiseMultiplier);
        if (double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        if (order == Math.Floor(order)) return LogAInteger(samplingRate, noiseMultiplier, (int)order) / (order - 1);
        double floor = Math.Floor(order), t = order - floor;
        double below = LogAInteger(samplingRate, noiseMultiplier, (int)floor);
        double above = LogAInteger(samplingRate, noiseMultiplier, (int)Math.Ceiling(order));
        return ((1 - t) * below + t * above) / (order - 1);
    }

    /// <summary>RDP of one step at each order.</summary>
    public static double[] At(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders)
    {
        var rdp = new double[orders.Count];
        for (int i = 0; i < rdp.Length; i++) rdp[i] = At(samplingRate, noiseMultiplier, orders[i]);
        return rdp;
    }

    /// <summary>(α − 1)·RDP at integer α: log of 1 + Σ_{i≥2} q^i C(α, i) · (the i-th term's bound).</summary>
    static double LogAInteger(double q, double sigma, int alpha)
    {
        if (alpha == 1) return 0;
        double twoSigma2 = 2.0 * sigma * sigma;
        double Cgf(double x) => x * (x + 1) / twoSigma2;   // (x)·RDP_Gaussian(x + 1)
        double f2 = 2.0 / twoSigma2;                       // RDP of the Gaussian at order 2
        double logF2m1 = f2 + Log1p(-Math.Exp(-f2));       // log(e^{f2} − 1)
        double logQ = Math.Log(q);
        double first = 2 * logQ + LogBinomial(alpha, 2) + Math.Min(Log4 + logF2m1, f2 + Log2);
        double logA = LogSpace.Add(0, first);
        if (alpha <= MaxExactOrder)
        {
            var deltas = ForwardDifferences(Cgf, alpha);
            for (int i = 3; i <= alpha; i++)
            {
                double lo = deltas[2 * (i / 2) - 1], hi = deltas[2 * ((i + 1) / 2) - 1];
                double s = Math.Min(Log4 + 0.5 * (lo + hi), Log2 + Cgf(i - 1));
                logA = LogSpace.Add(logA, s + i * logQ + LogBinomial(alpha, i));
            }
        }
        else
        {
            for (int i = 3; i <= alpha; i++)
                logA = LogSpace.Add(logA, Log2 + Cgf(i - 1) + i * logQ + LogBinomial(alpha, i));
        }
        return logA;
    }

    /// <summary>
    /// log|Δ^k| of the sequence (1, e^{cgf(0)}, e^{cgf(1)}, …) at its start, k = 1 … n + 2, as the reference's
    /// _get_forward_diffs builds them: repeated differences in log space with a sign per entry.
    /// </summary>
    static double[] ForwardDifferences(Func<double, double> cgf, int n)
    {
        var values = new double[n + 3];
        var signs = new bool[n + 3];
        Array.Fill(signs, true);
        for (int i = 1; i < n + 3; i++) values[i] = cgf(i - 1);
        var deltas = new double[n + 2];
        for (int i = 0; i < n + 2; i++)
        {
            DifferenceInPlace(values, signs, n + 2 - i);
            deltas[i] = values[0];
        }
        return deltas;
    }

    /// <summary>Replaces the first <paramref name="count"/> entries with the log-magnitude and sign of next − this.</summary>
    static void DifferenceInPlace(double[] values, bool[] signs, int count)
    {
        for (int j = 0; j < count; j++)
        {
            if (signs[j] == signs[j + 1])
            {
                (signs[j], values[j]) = LogSpace.Subtract(values[j + 1], values[j]);
                if (!signs[j + 1]) signs[j] = !signs[j];
            }
            else
            {
                values[j] = LogSpace.Add(values[j], values[j + 1]);
                signs[j] = signs[j + 1];
            }
        }
    }
}
