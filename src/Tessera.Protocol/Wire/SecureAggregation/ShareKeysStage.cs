namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>
/// One client's Shamir shares for one neighbour, sealed with AES-256-GCM under a key only the two of them can derive:
/// 12-byte nonce ‖ ciphertext ‖ 16-byte tag (168 bytes in all). The server routes it and cannot read it.
/// </summary>
public sealed record EncryptedShare(int Sender, int Recipient, byte[] Ciphertext);

/// <summary>
/// Stage 2, client → server: one sealed share per neighbour, and SHA-256 of the client's self-mask seed so the
/// server can check the seed it later rebuilds from shares.
/// </summary>
public sealed record SharedKeys(int Client, byte[] SeedCommitment, IReadOnlyList<EncryptedShare> Shares);

/// <summary>Stage 2, server → client: the sealed shares addressed to the client by the neighbours that shared keys.</summary>
public sealed record AddressedShares(int Client, IReadOnlyList<EncryptedShare> Shares);
