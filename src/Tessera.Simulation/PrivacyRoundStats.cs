namespace Tessera.Simulation;

/// <summary>
/// A differentially private round (privacy.dp): the ε(δ) spent once it was released, the bound updates were clipped
/// to, the noise's standard deviation on the mean, and, with adaptive clipping, the noised share of updates within
/// the bound. In local mode ε is that of the client that has taken part most often.
/// </summary>
public sealed record PrivacyRoundStats(double Epsilon, double Delta, double Clip, double NoiseStd, double? UnclippedFraction);
