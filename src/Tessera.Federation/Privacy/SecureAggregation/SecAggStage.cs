namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>Where a round is: the stage whose messages the server accepts now, or how it ended.</summary>
public enum SecAggStage { AdvertiseKeys, ShareKeys, MaskedInput, Unmask, Done, Failed }

/// <summary>
/// A finished round: the sum of the survivors' inputs in Z_{2^b} (exact), and who the survivors are (the clients
/// whose masked input counted).
/// </summary>
public sealed record SecAggResult(uint[] Sum, IReadOnlyList<int> Survivors);
