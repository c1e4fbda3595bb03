namespace Tessera.Federation;

/// <summary>
/// Result of configuring a round. More clients are invited than needed (over-selection);
/// the coordinator may close the round once TargetResults updates have been folded.
/// </summary>
public sealed record RoundPlan(int Round, long ModelVersion, IReadOnlyList<ClientConfig> Clients, int TargetResults);
