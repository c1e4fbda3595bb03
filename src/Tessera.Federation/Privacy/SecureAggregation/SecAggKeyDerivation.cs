using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// HKDF-SHA256 of every key in a round: salt = UTF-8 of "tessera-secagg-v1|{job id}|{round in decimal}" (the round
/// last and digits only, so the string names one job and round), info = a fixed ASCII label per use, 32 bytes out.
/// </summary>
public sealed class SecAggKeyDerivation
{
    /// <summary>Key of the AES-256-GCM share ciphertexts between two clients (ikm: ECDH of their encryption keys).</summary>
    public const string ShareEncryption = "share-encryption";
    /// <summary>AES-256-CTR key of a pairwise mask (ikm: ECDH of the two clients' mask keys).</summary>
    public const string PairwiseMask = "pairwise-mask";
    /// <summary>AES-256-CTR key of a client's self mask (ikm: its 32-byte self-mask seed).</summary>
    public const string SelfMask = "self-mask";

    public const int KeyBytes = 32;

    readonly byte[] _salt;

    public SecAggKeyDerivation(string jobId, int round)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        _salt = Encoding.UTF8.GetBytes($"tessera-secagg-v1|{jobId}|{round.ToString(CultureInfo.InvariantCulture)}");
    }

    public ReadOnlySpan<byte> Salt => _salt;

    public byte[] Derive(ReadOnlySpan<byte> secret, string label)
    {
        var key = new byte[KeyBytes];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, key, _salt, Encoding.ASCII.GetBytes(label));
        return key;
    }
}
