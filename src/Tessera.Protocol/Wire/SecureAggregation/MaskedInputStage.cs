namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>
/// Stage 3, client → server: the client's input plus its self mask and pairwise masks, in Z_{2^b}: Length words,
/// each a little-endian uint32 below 2^b (4 bytes per coordinate, as a plain F32 upload).
/// </summary>
public sealed record MaskedInput(int Client, byte[] Words);

/// <summary>
/// Stage 3, server → client: who sent a masked input (survivors) and who shared keys but did not (dropped). A client
/// reveals, for each of its neighbours, the self-mask-seed share of a survivor or the mask-key share of a dropped
/// one — never both for one neighbour.
/// </summary>
public sealed record UnmaskRequest(int Client, IReadOnlyList<int> Survivors, IReadOnlyList<int> Dropped);
