namespace Tessera.Federation;

/// <summary>Clients invited this round and how many results the round actually needs.</summary>
public sealed record ClientSelection(IReadOnlyList<string> Clients, int TargetResults);
