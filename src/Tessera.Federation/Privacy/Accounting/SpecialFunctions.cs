namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// The few special functions the RDP formulas need, in double precision: .NET has no log-gamma or erfc, and its
/// generic LogP1/ExpM1 are the naive log(1 + x)/exp(x) − 1, which lose the small arguments the accountant lives on.
/// </summary>
internal static class SpecialFunctions
{
    const double HalfLogTwoPi = 0.91893853320467274178;
    static readonly double LogPi = Math.Log(Math.PI);
    static readonly double HalfLogPi = 0.5 * Math.Log(Math.PI);
    const int MaxExactFactorialArgument = 171;   // 170! is the largest factorial a double holds
    static readonly double[] LogFactorials = BuildLogFactorials();

    /// <summary>log(1 + x), accurate for small |x| (Goldberg's correction of the rounded 1 + x).</summary>
    public static double Log1p(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;
        if (double.IsInfinity(u) || u <= 0) return Math.Log(u);
        return Math.Log(u) * (x / (u - 1.0));
    }

    /// <summary>exp(x) − 1, accurate for small |x| (Kahan's correction).</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) > 0.5) return Math.Exp(x) - 1.0;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        return um1 * (x / Math.Log(u));
    }

    /// <summary>
    /// log|Γ(x)|, as scipy's gammaln: the magnitude for negative non-integers (the fractional-order binomials need
    /// it), +∞ at the poles.
    /// </summary>
    public static double LogGamma(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (double.IsPositiveInfinity(x)) return double.PositiveInfinity;
        if (x <= 0 && x == Math.Floor(x)) return double.PositiveInfinity;
        // Integers (every binomial of an integer order): the factorial itself, exact to 22! and one rounding per
        // factor after, so sums of log-binomials that nearly cancel (small q) keep their last digits.
        if (x == Math.Floor(x) && x <= MaxExactFactorialArgument) return LogFactorials[(int)x - 1];
        if (x < 0.5)
            // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
            return LogPi - Math.Log(Math.Abs(double.SinPi(x))) - LogGamma(1.0 - x);
        // Shift up until the Stirling series is exact to double precision, dividing the product back out.
        double shift = 1.0;
        while (x < 15.0) { shift *= x; x += 1.0; }
        return Stirling(x) - Math.Log(shift);
    }

    static double[] BuildLogFactorials()
    {
        var logs = new double[MaxExactFactorialArgument];
        double factorial = 1;
        for (int n = 0; n < logs.Length; n++)
        {
            if (n > 0) factorial *= n;
            logs[n] = Math.Log(factorial);
        }
        return logs;
    }

    /// <summary>Stirling's series for log Γ(x), x ≥ 15: the first omitted term is below 1e-19.</summary>
    static double Stirling(double x)
    {
        double r = 1.0 / x, r2 = r * r;
        double series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
                        + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
        return (x - 0.5) * Math.Log(x) - x + HalfLogTwoPi + series;
    }

    /// <summary>log|C(n, k)| through log-gamma, for real n (the reference's _log_comb).</summary>
    public static double LogBinomial(double n, double k) => LogGamma(n + 1) - LogGamma(k + 1) - LogGamma(n - k + 1);

    /// <summary>log(erfc(x)), finite far into the tail where erfc itself underflows (the reference's _log_erfc).</summary>
    public static double LogErfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return Math.Log(2.0 - Math.Exp(LogErfc(-x)));
        double z = x * x;
        if (z < 1.5) return Log1p(-Erf(x, z));
        if (double.IsPositiveInfinity(z)) return double.NegativeInfinity;
        // erfc(x) = Γ(1/2, x²)/√π, with Γ(a, z) = e^{−z} z^a · (continued fraction).
        return -z + Math.Log(x) + Math.Log(UpperGammaFraction(0.5, z)) - HalfLogPi;
    }

    /// <summary>erf(x) for x² &lt; 1.5 as P(1/2, x²) by its series; every term is positive, so nothing cancels.</summary>
    static double Erf(double x, double z)
    {
        double term = 1.0, sum = 1.0, a = 0.5;
        for (int n = 0; n < 200; n++)
        {
            a += 1.0;
            term *= z / a;
            sum += term;
            if (term < sum * 1e-17) break;
        }
        // γ(1/2, z)/Γ(1/2) = e^{−z} z^{1/2} / Γ(3/2) · sum, and Γ(3/2) = √π/2.
        return 2.0 * x / Math.Sqrt(Math.PI) * Math.Exp(-z) * sum;
    }

    /// <summary>The continued fraction of Γ(a, z)·e^{z}·z^{−a} by the modified Lentz method; it converges fast for z &gt; a + 1.</summary>
    static double UpperGammaFraction(double a, double z)
    {
        const double tiny = 1e-300;
        double b = z + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
        for (int i = 1; i < 10_000; i++)
        {
            double an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1.0 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1.0) < 1e-16) break;
        }
        return h;
    }
}
