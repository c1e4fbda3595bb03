using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>The two shares one client holds of a neighbour's secrets: of its mask-key scalar d and of its self-mask seed.</summary>
public readonly record struct HeldShares(BigInteger Scalar, BigInteger Seed);

/// <summary>
/// AES-256-GCM sealing of the shares one client sends another. Output: 12-byte random nonce ‖ ciphertext ‖ 16-byte
/// tag. Associated data: round ‖ sender ‖ recipient, each uint32 big-endian, so a ciphertext cannot be replayed in
/// another round or passed off between other clients. Plaintext (140 bytes): sender (uint32 BE) ‖ recipient (uint32
/// BE) ‖ share of d (66 bytes BE) ‖ share of the seed (66 bytes BE); both shares are evaluated at x = recipient.
/// </summary>
public static class ShareCipher
{
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    public const int PlaintextBytes = 4 + 4 + 2 * ShamirSharing.ValueBytes;
    public const int CiphertextBytes = NonceBytes + PlaintextBytes + TagBytes;

    public static byte[] Seal(byte[] key, int round, int sender, int recipient, HeldShares shares, RandomBytes random)
    {
        var plaintext = new byte[PlaintextBytes];
        BinaryPrimitives.WriteUInt32BigEndian(plaintext, (uint)sender);
        BinaryPrimitives.WriteUInt32BigEndian(plaintext.AsSpan(4), (uint)recipient);
        ShamirSharing.Encode(shares.Scalar).CopyTo(plaintext, 8);
        ShamirSharing.Encode(shares.Seed).CopyTo(plaintext, 8 + ShamirSharing.ValueBytes);
        var output = new byte[CiphertextBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        random(nonce);
        using var gcm = new AesGcm(key, TagBytes);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, PlaintextBytes), output.AsSpan(NonceBytes + PlaintextBytes), AssociatedData(round, sender, recipient));
        CryptographicOperations.ZeroMemory(plaintext);
        return output;
    }

    /// <summary>The shares inside, or null when the ciphertext is not one sealed by <paramref name="sender"/> for <paramref name="recipient"/> in this round.</summary>
    public static HeldShares? Open(byte[] key, int round, int sender, int recipient, byte[]? ciphertext)
    {
        if (ciphertext is not { Length: CiphertextBytes }) return null;
        var plaintext = new byte[PlaintextBytes];
        using var gcm = new AesGcm(key, TagBytes);
        try
        {
            gcm.Decrypt(ciphertext.AsSpan(0, NonceBytes), ciphertext.AsSpan(NonceBytes, PlaintextBytes), ciphertext.AsSpan(NonceBytes + PlaintextBytes),
                plaintext, AssociatedData(round, sender, recipient));
        }
        catch (AuthenticationTagMismatchException) { return null; }
        if (BinaryPrimitives.ReadUInt32BigEndian(plaintext) != (uint)sender || BinaryPrimitives.ReadUInt32BigEndian(plaintext.AsSpan(4)) != (uint)recipient) return null;
        var scalar = ShamirSharing.Decode(plaintext.AsSpan(8, ShamirSharing.ValueBytes));
        var seed = ShamirSharing.Decode(plaintext.AsSpan(8 + ShamirSharing.ValueBytes, ShamirSharing.ValueBytes));
        CryptographicOperations.ZeroMemory(plaintext);
        return scalar is { } d && seed is { } s ? new HeldShares(d, s) : null;
    }

    static byte[] AssociatedData(int round, int sender, int recipient)
    {
        var aad = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(aad, (uint)round);
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(4), (uint)sender);
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(8), (uint)recipient);
        return aad;
    }
}
