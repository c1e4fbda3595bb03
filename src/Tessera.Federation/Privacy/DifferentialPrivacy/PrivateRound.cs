namespace Tessera.Federation.Privacy;

/// <summary>What a private round did: the bound it clipped to, the noised share of updates within it, and the next round's bound.</summary>
/// <param name="UnclippedFraction">Noised b̄ with adaptive clipping; null with a fixed bound (the exact count is not released).</param>
/// <param name="NoiseShares">
/// Distributed noise: how many clients' shares the sum holds when fewer than the expected cohort m (dropouts), which
/// leaves z·√(s/m) of noise and costs more privacy (<see cref="Planning.PrivacyPlan.SpentBy"/>); null when the noise is as planned.
/// </param>
public sealed record PrivateRound(double Clip, double NoiseStd, double? UnclippedFraction, double NextClip, int? NoiseShares = null);
