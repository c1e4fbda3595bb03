namespace Tessera.Federation.Privacy;

/// <summary>What a private round did: the bound it clipped to, the noised share of updates within it, and the next round's bound.</summary>
/// <param name="UnclippedFraction">Noised b̄ with adaptive clipping; null with a fixed bound (the exact count is not released).</param>
public sealed record PrivateRound(double Clip, double NoiseStd, double? UnclippedFraction, double NextClip);
