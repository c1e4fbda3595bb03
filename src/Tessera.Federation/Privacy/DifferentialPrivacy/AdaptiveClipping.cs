namespace Tessera.Federation.Privacy;

/// <summary>
/// Andrew et al. 2021: the clipping bound follows the γ-quantile of the update norms. Each client reports whether it
/// was within the bound (b_i, centred to b_i − ½ so one client moves the sum by at most ½); the server adds
/// N(0, σ_b²) to the sum, divides by the expected cohort m, and steps C ← C·exp(−η(b̄ − γ)). The count costs privacy
/// too, so the updates' noise multiplier drops to z_Δ = (z⁻² − (2σ_b)⁻²)^(−½), keeping the round's total at z.
/// </summary>
public sealed record AdaptiveClipping(double Quantile, double LearningRate, double CountNoise)
{
    /// <summary>Andrew et al.'s suggestion for σ_b: m/20.</summary>
    public static double DefaultCountNoise(int expectedClients) => expectedClients / 20.0;

    /// <summary>z_Δ for a job whose overall noise multiplier is <paramref name="z"/>; throws when σ_b is too small to leave any.</summary>
    public double UpdateNoiseMultiplier(double z)
    {
        double rest = 1 / (z * z) - 1 / (4 * CountNoise * CountNoise);
        if (!(rest > 0))
            throw new ArgumentException($"the count noise σ_b = {CountNoise:G4} must exceed z/2 = {z / 2:G4} for adaptive clipping to leave the updates any noise budget");
        return 1 / Math.Sqrt(rest);
    }

    /// <summary>b̄ from the noised sum of centred bits (Σ(b_i − ½) + noise) over the expected cohort.</summary>
    public static double UnclippedFraction(double noisedCentredSum, int expectedClients) => noisedCentredSum / expectedClients + 0.5;

    public double NextBound(double bound, double unclippedFraction) => bound * Math.Exp(-LearningRate * (unclippedFraction - Quantile));
}
