namespace Tessera.Protocol.Wire.SecureAggregation;

/// <summary>
/// What every party of one secure-aggregation round agrees on before it starts (the coordinator puts it in the
/// round's task). Clients are numbered 1..<see cref="Clients"/>; the number is also the x at which a client's Shamir
/// shares are evaluated. The byte-level protocol is in docs/PRIVACY.md, "Secure aggregation".
/// </summary>
public sealed record SecAggParameters
{
    /// <summary>Bound into every derived key (HKDF salt), so keys and masks of one job never serve another.</summary>
    public required string JobId { get; init; }
    /// <summary>Bound into the HKDF salt and the share ciphertexts' associated data.</summary>
    public required int Round { get; init; }
    /// <summary>Clients invited to the round, n.</summary>
    public required int Clients { get; init; }
    /// <summary>t: shares needed to rebuild a client's secrets; also the fewest live neighbours a client may keep.</summary>
    public required int Threshold { get; init; }
    /// <summary>k: how many neighbours each client shares its secrets with (n − 1: the complete graph).</summary>
    public required int Degree { get; init; }
    /// <summary>b: inputs, masks and the sum live in Z_{2^b}, 1 ≤ b ≤ 32; one 32-bit word per coordinate on the wire.</summary>
    public required int Bits { get; init; }
    /// <summary>Words per masked input (quantized coordinates plus any integer lanes the caller appends).</summary>
    public required int Length { get; init; }
    /// <summary>Seeds the server's neighbour graph (clients never need it: the server tells each its neighbours).</summary>
    public int GraphSeed { get; init; }
}
