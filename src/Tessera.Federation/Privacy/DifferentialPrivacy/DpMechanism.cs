namespace Tessera.Federation.Privacy;

/// <summary>
/// One job's DP-FedAvg round: clip each update to C, sum unweighted, add N(0, (z_Δ·C)²), divide by the expected
/// cohort m (fixed, so the sensitivity of the mean is C/m whoever turned up).
/// </summary>
/// <param name="Clip">The starting bound C.</param>
/// <param name="NoiseMultiplier">z, the job's overall noise multiplier (what the accountant composes).</param>
/// <param name="ExpectedClients">m.</param>
/// <param name="AtServer">True in central mode: the server clips and adds the noise. False where the workers did both before the server saw their updates (local).</param>
public sealed record DpMechanism(double Clip, double NoiseMultiplier, int ExpectedClients, AdaptiveClipping? Adaptive, bool AtServer = true)
{
    /// <summary>The updates' own noise multiplier: z, or z_Δ when the clipped count takes a share.</summary>
    public double UpdateNoiseMultiplier => Adaptive?.UpdateNoiseMultiplier(NoiseMultiplier) ?? NoiseMultiplier;
}
