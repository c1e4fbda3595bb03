using Tessera.Data;

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

    /// <summary>
    /// The server's release of a round's clipped sum (central mode): adds N(0, (z_Δ·C)²) to it in place and, with
    /// adaptive clipping, noises the centred count of updates within the bound, Σ(b_i − ½), to move the next bound.
    /// It draws the noise in that order, so one seed releases one round, whichever aggregator summed it.
    /// </summary>
    public PrivateRound Release(Span<float> sum, double centredWithin, double clip, DeterministicRandom random)
    {
        double std = UpdateNoiseMultiplier * clip;
        GaussianNoise.AddInPlace(sum, std, random);
        if (Adaptive is not { } adaptive) return new PrivateRound(clip, std / ExpectedClients, null, clip);
        double unclipped = AdaptiveClipping.UnclippedFraction(centredWithin + adaptive.CountNoise * random.NextGaussian(), ExpectedClients);
        return new PrivateRound(clip, std / ExpectedClients, unclipped, adaptive.NextBound(clip, unclipped));
    }
}
