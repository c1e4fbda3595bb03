using static Tessera.Federation.Privacy.Accounting.SpecialFunctions;

namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// Amplification by sampling for any mechanism known only by its RDP at integer orders, ε(l) for l = 2 … α (the
/// Gaussian has exact formulas of its own; Skellam does not):
/// - Poisson sampling at rate q, add-or-remove-one: the general upper bound of Zhu &amp; Wang 2019 (Theorem 6),
///   (α−1)·ε' ≤ log[(1−q)^{α−1}(αq − q + 1) + C(α,2)q²(1−q)^{α−2}e^{ε(2)} + 3·Σ_{l≥3} C(α,l)(1−q)^{α−l}q^l e^{(l−1)ε(l)}];
/// - a fixed-size cohort drawn without replacement, replace-one: Wang, Balle &amp; Kasiviswanathan 2019 (Theorem 9)
///   with ε(∞) = ∞, (α−1)·ε' ≤ log[1 + q²C(α,2)·min{4(e^{ε(2)} − 1), 2e^{ε(2)}} + 2·Σ_{l≥3} q^l C(α,l) e^{(l−1)ε(l)}].
/// Either way the result is at most ε(α) itself (sampling never costs privacy). Fractional orders are +∞.
/// </summary>
public static class SubsampledRdp
{
    static readonly double Log2 = Math.Log(2), Log3 = Math.Log(3), Log4 = Math.Log(4);

    public static double At(Sampling sampling, double samplingRate, Func<int, double> rdp, double order)
    {
        ArgumentNullException.ThrowIfNull(rdp);
        if (samplingRate is not (>= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "sampling rate must be in [0, 1]");
        if (order is not > 1) throw new ArgumentOutOfRangeException(nameof(order), order, "Rényi order must be above 1");
        if (samplingRate == 0) return 0;
        if (order != Math.Floor(order) || double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        int alpha = (int)order;
        double unsampled = rdp(alpha);
        if (samplingRate == 1 || double.IsPositiveInfinity(rdp(2))) return unsampled;
        double amplified = (sampling == Sampling.Poisson ? LogPoisson(samplingRate, rdp, alpha) : LogFixedSize(samplingRate, rdp, alpha)) / (alpha - 1);
        return Math.Min(unsampled, amplified);
    }

    static double LogPoisson(double q, Func<int, double> rdp, int alpha)
    {
        double logQ = Math.Log(q), log1mq = Log1p(-q);
        double sum = (alpha - 1) * log1mq + Math.Log(alpha * q - q + 1);
        sum = LogSpace.Add(sum, LogBinomial(alpha, 2) + 2 * logQ + (alpha - 2) * log1mq + rdp(2));
        for (int l = 3; l <= alpha; l++)
            sum = LogSpace.Add(sum, Log3 + LogBinomial(alpha, l) + (alpha - l) * log1mq + l * logQ + (l - 1) * rdp(l));
        return sum;
    }

    static double LogFixedSize(double q, Func<int, double> rdp, int alpha)
    {
        double logQ = Math.Log(q), e2 = rdp(2);
        double second = Math.Min(Log4 + e2 + Log1p(-Math.Exp(-e2)), Log2 + e2);   // min{4(e^{ε(2)} − 1), 2e^{ε(2)}}
        double sum = LogSpace.Add(0, 2 * logQ + LogBinomial(alpha, 2) + second);
        for (int l = 3; l <= alpha; l++)
            sum = LogSpace.Add(sum, Log2 + l * logQ + LogBinomial(alpha, l) + (l - 1) * rdp(l));
        return sum;
    }
}
