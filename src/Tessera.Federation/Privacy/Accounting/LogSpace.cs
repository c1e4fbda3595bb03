namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// Sums and differences of numbers held as their logarithms (the reference's _log_add and _log_sub_sign): the RDP
/// series add terms like e^{α²/σ²} that overflow a double long before their logarithm does.
/// </summary>
internal static class LogSpace
{
    /// <summary>log(e^x + e^y).</summary>
    public static double Add(double logX, double logY)
    {
        double a = Math.Min(logX, logY), b = Math.Max(logX, logY);
        if (double.IsNegativeInfinity(a)) return b;
        return SpecialFunctions.Log1p(Math.Exp(a - b)) + b;
    }

    /// <summary>log|e^x − e^y| and whether e^x − e^y is non-negative.</summary>
    public static (bool NonNegative, double LogMagnitude) Subtract(double logX, double logY)
    {
        if (logX > logY) return (true, logX + SpecialFunctions.Log1p(-Math.Exp(logY - logX)));
        if (logX < logY) return (false, logY + SpecialFunctions.Log1p(-Math.Exp(logX - logY)));
        return (true, double.NegativeInfinity);
    }
}
