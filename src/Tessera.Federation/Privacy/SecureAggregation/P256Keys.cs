using System.Numerics;
using System.Security.Cryptography;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// The P-256 pieces: a private key is its scalar d (32 bytes big-endian, so it can be Shamir-shared and rebuilt), a
/// public key its uncompressed SEC1 point 0x04 ‖ X ‖ Y (65 bytes, WebCrypto's raw format), an agreed secret the
/// 32-byte X coordinate of d·Q (WebCrypto's deriveBits(…, 256)).
/// </summary>
public static class P256Keys
{
    public const int PublicKeyBytes = 65;
    public const int ScalarBytes = 32;

    /// <summary>The group order: a scalar is in [1, order − 1].</summary>
    public static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    /// <summary>A uniform scalar from <paramref name="random"/>, by rejection (a draw fails with probability about 2^-32).</summary>
    public static byte[] NewScalar(RandomBytes random)
    {
        var d = new byte[ScalarBytes];
        do random(d);
        while (!IsScalar(d));
        return d;
    }

    public static bool IsScalar(ReadOnlySpan<byte> d)
    {
        if (d.Length != ScalarBytes) return false;
        var v = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        return v.Sign > 0 && v < Order;
    }

    /// <summary>The key pair of a scalar (its public point computed by the platform).</summary>
    public static ECDiffieHellman FromScalar(byte[] d)
    {
        if (!IsScalar(d)) throw new ArgumentException("not a P-256 scalar in [1, order − 1]", nameof(d));
        return ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
    }

    public static byte[] PublicKey(ECDiffieHellman key)
    {
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        var bytes = new byte[PublicKeyBytes];
        bytes[0] = 0x04;
        q.X!.CopyTo(bytes, 1);
        q.Y!.CopyTo(bytes, 1 + 32);
        return bytes;
    }

    /// <summary>A public key from its 65 bytes; null when they are not an uncompressed point on the curve.</summary>
    public static ECDiffieHellman? ImportPublic(byte[]? sec1)
    {
        if (sec1 is not { Length: PublicKeyBytes } || sec1[0] != 0x04) return null;
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = sec1[1..33], Y = sec1[33..] },
            });
        }
        catch (CryptographicException) { return null; } // not on the curve
    }

    /// <summary>The raw ECDH secret: X of d·Q, 32 bytes.</summary>
    public static byte[] Agree(ECDiffieHellman mine, ECDiffieHellman theirs) => mine.DeriveRawSecretAgreement(theirs.PublicKey);
}
