namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// RDP of the Skellam mechanism (Agarwal, Kairouz &amp; Liu 2021, Theorem 3.5): integer noise Sk = Poisson(μ/2) −
/// Poisson(μ/2) of variance μ per coordinate added to an integer sum with L2 and L1 sensitivities Δ2 and Δ1. For
/// integer orders α > 1,
///   ε(α) ≤ α·Δ2²/(2μ) + min{ ((2α − 1)·Δ2² + 6·Δ1)/(4μ²), 3·Δ1/(2μ) }.
/// The first term is the Gaussian mechanism's; the second is what the lattice costs, and it vanishes as the levels
/// get fine. Here μ = (z·Δ2)², z being the noise multiplier over the L2 sensitivity, as for the Gaussian.
/// The theorem holds for integer orders only; fractional orders are +∞ (the accountant skips them).
/// </summary>
public static class SkellamRdp
{
    public static double At(double noiseMultiplier, SkellamSensitivity sensitivity, double order)
    {
        ArgumentNullException.ThrowIfNull(sensitivity);
        if (noiseMultiplier is not >= 0) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "noise multiplier must be non-negative");
        if (order is not > 1) throw new ArgumentOutOfRangeException(nameof(order), order, "Rényi order must be above 1");
        if (noiseMultiplier == 0 || order != Math.Floor(order) || double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        double d2 = sensitivity.L2, d1 = sensitivity.L1;
        double mu = noiseMultiplier * d2 * noiseMultiplier * d2;
        double lattice = Math.Min(((2 * order - 1) * d2 * d2 + 6 * d1) / (4 * mu * mu), 3 * d1 / (2 * mu));
        return order / (2 * noiseMultiplier * noiseMultiplier) + lattice;
    }
}
