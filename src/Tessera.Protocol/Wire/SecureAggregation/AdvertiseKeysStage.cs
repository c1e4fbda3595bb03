namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>
/// Stage 1, client → server: the client's two fresh P-256 public keys for this round, each 65 bytes, uncompressed
/// SEC1 (0x04 ‖ X ‖ Y, what WebCrypto's exportKey("raw") gives). One encrypts the shares sent to neighbours, the
/// other agrees the pairwise masks.
/// </summary>
public sealed record AdvertisedKeys(int Client, byte[] EncryptionKey, byte[] MaskKey);

/// <summary>Stage 1, server → client: the advertised keys of the client's neighbours (its share holders and mask partners).</summary>
public sealed record NeighbourKeys(int Client, IReadOnlyList<AdvertisedKeys> Neighbours);
