namespace Tessera.Federation.Privacy.Accounting;

/// <summary>
/// How far one client can move the integer sum of a distributed-Skellam round, in quantization levels: its L2 and L1
/// sensitivities. The accountant needs both (Agarwal, Kairouz &amp; Liu 2021): Skellam noise lives on the integer
/// lattice, and its RDP is the Gaussian's plus a term in these two.
/// </summary>
public sealed record SkellamSensitivity
{
    public SkellamSensitivity(double l2, double l1)
    {
        if (!(l2 >= 1) || double.IsInfinity(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "the L2 sensitivity is at least one level and finite");
        if (!(l1 >= l2) || double.IsInfinity(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, "the L1 sensitivity is at least the L2 one and finite");
        L2 = l2;
        L1 = l1;
    }

    public double L2 { get; }
    public double L1 { get; }

    /// <summary>
    /// A clipped update scaled to at most <paramref name="scaledClip"/> levels in L2 norm, then rounded stochastically in
    /// each of its <paramref name="dimension"/> coordinates: every rounding moves a coordinate by less than one level,
    /// so the rounded vector is within scaledClip + √d (the deterministic bound; no conditional rounding). An
    /// integer vector has |v_i| ≤ v_i², so its L1 norm is at most min(√d·L2, L2²).
    /// </summary>
    public static SkellamSensitivity OfRounded(double scaledClip, int dimension)
    {
        if (!(scaledClip > 0) || double.IsInfinity(scaledClip)) throw new ArgumentOutOfRangeException(nameof(scaledClip), scaledClip, "the scaled clip must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        double root = Math.Sqrt(dimension);
        double l2 = scaledClip + root;
        return new SkellamSensitivity(l2, l2 * Math.Min(root, l2));
    }

    /// <summary>
    /// An update clipped to C and quantized over [−C, C] to <paramref name="quantizationBits"/> bits (the secure round's
    /// quantizer): the clip is (2^q − 1)/2 levels from the midpoint, then rounded (<see cref="OfRounded"/>).
    /// </summary>
    public static SkellamSensitivity OfQuantized(int quantizationBits, int dimension) =>
        OfRounded((Math.Pow(2, quantizationBits) - 1) / 2, dimension);
}
