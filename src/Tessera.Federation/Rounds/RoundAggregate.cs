namespace Tessera.Federation;

/// <summary>
/// A finished round, ready for the server step. Delta is already the strategy's combined
/// update (weighted mean for FedAvg, normalized average for FedNova, ...).
/// </summary>
/// <param name="ControlVariateDelta">SCAFFOLD: unweighted mean of the clients' Δc; null otherwise.</param>
/// <param name="Privacy">A differentially private round: its clip, noise and next bound; null otherwise.</param>
public sealed record RoundAggregate(
    int Round,
    float[] Delta,
    int ClientCount,
    long TotalSamples,
    float[]? ControlVariateDelta = null,
    Privacy.PrivateRound? Privacy = null);
