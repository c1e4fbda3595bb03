namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>A share the holder decrypted and now reveals: y of <see cref="Owner"/>'s polynomial at the holder's index, 66 bytes big-endian.</summary>
public sealed record RevealedShare(int Owner, byte[] Value);

/// <summary>
/// Stage 4, client → server: the self-mask-seed shares of surviving neighbours and the mask-key (private scalar)
/// shares of dropped ones, exactly as the <see cref="UnmaskRequest"/> asked.
/// </summary>
public sealed record UnmaskShares(int Client, IReadOnlyList<RevealedShare> SeedShares, IReadOnlyList<RevealedShare> ScalarShares);
