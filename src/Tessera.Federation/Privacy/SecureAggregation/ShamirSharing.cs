using System.Numerics;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>A point (x, y) of a sharing polynomial: x is the holder's 1-based client index.</summary>
public readonly record struct ShamirShare(int X, BigInteger Y);

/// <summary>
/// Shamir secret sharing of 32-byte secrets over the prime field p = 2^521 − 1 (a Mersenne prime, so a 256-bit
/// secret and every share fit without reduction tricks). A secret is the constant term of a random polynomial of
/// degree t − 1; any t shares give it back by Lagrange interpolation at 0, and t − 1 shares are consistent with every
/// secret (each candidate fixes exactly one polynomial through them).
/// </summary>
public static class ShamirSharing
{
    public static readonly BigInteger Prime = (BigInteger.One << 521) - 1;

    /// <summary>A share's y on the wire: big-endian, left-padded to 66 bytes (⌈521 / 8⌉).</summary>
    public const int ValueBytes = 66;

    public const int SecretBytes = 32;

    /// <summary>Shares of <paramref name="secret"/> for each holder (x = its index), any <paramref name="threshold"/> of which rebuild it.</summary>
    public static ShamirShare[] Split(ReadOnlySpan<byte> secret, int threshold, IReadOnlyList<int> holders, RandomBytes random)
    {
        if (secret.Length != SecretBytes) throw new ArgumentException($"a secret is {SecretBytes} bytes, not {secret.Length}", nameof(secret));
        if (threshold < 1 || threshold > holders.Count) throw new ArgumentOutOfRangeException(nameof(threshold), $"needs 1 ≤ t ≤ {holders.Count} holders, got {threshold}");
        if (holders.Any(x => x < 1) || holders.Distinct().Count() != holders.Count) throw new ArgumentException("holders must be distinct indices ≥ 1", nameof(holders));
        var coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
        for (int i = 1; i < threshold; i++) coefficients[i] = RandomElement(random);
        var shares = new ShamirShare[holders.Count];
        for (int h = 0; h < holders.Count; h++)
        {
            // Horner's rule, highest coefficient first.
            BigInteger x = holders[h], y = BigInteger.Zero;
            for (int i = threshold - 1; i >= 0; i--) y = (y * x + coefficients[i]) % Prime;
            shares[h] = new ShamirShare(holders[h], y);
        }
        return shares;
    }

    /// <summary>The polynomial's value at 0 from exactly the shares given (all of them used), by Lagrange interpolation.</summary>
    public static BigInteger InterpolateAtZero(IReadOnlyList<ShamirShare> shares) => InterpolateAt(shares, BigInteger.Zero);

    /// <summary>The value at <paramref name="x"/> of the polynomial of degree shares.Count − 1 through the shares.</summary>
    public static BigInteger InterpolateAt(IReadOnlyList<ShamirShare> shares, BigInteger x)
    {
        if (shares.Count == 0) throw new ArgumentException("no shares", nameof(shares));
        if (shares.Select(s => s.X).Distinct().Count() != shares.Count) throw new ArgumentException("two shares at one x", nameof(shares));
        return Evaluate(shares, BarycentricWeights(shares), Mod(x));
    }

    /// <summary>
    /// The secret from the first <paramref name="threshold"/> shares, after checking that every share lies on the
    /// polynomial through those; null when they do not (someone equivocated or a share was altered) or when the
    /// value at 0 is not a 32-byte secret.
    /// </summary>
    public static byte[]? Reconstruct(IReadOnlyList<ShamirShare> shares, int threshold)
    {
        if (shares.Count < threshold) throw new ArgumentException($"{shares.Count} shares cannot rebuild a secret of threshold {threshold}", nameof(shares));
        if (!LieOnOnePolynomial(shares, threshold)) return null;
        var secret = InterpolateAtZero(shares.Take(threshold).ToList());
        if (secret.GetByteCount(isUnsigned: true) > SecretBytes) return null;
        var bytes = new byte[SecretBytes];
        secret.TryWriteBytes(bytes.AsSpan(SecretBytes - secret.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>Whether all shares lie on the one polynomial of degree threshold − 1 through the first threshold of them.</summary>
    public static bool LieOnOnePolynomial(IReadOnlyList<ShamirShare> shares, int threshold)
    {
        if (shares.Count < threshold) throw new ArgumentException($"{shares.Count} shares fix no polynomial of degree {threshold - 1}", nameof(shares));
        if (shares.Select(s => s.X).Distinct().Count() != shares.Count) return false;
        if (shares.Any(s => s.Y.Sign < 0 || s.Y >= Prime)) return false;
        var basis = shares.Take(threshold).ToList();
        var weights = BarycentricWeights(basis);
        for (int i = threshold; i < shares.Count; i++)
            if (Evaluate(basis, weights, shares[i].X) != shares[i].Y) return false;
        return true;
    }

    /// <summary>y as its 66 wire bytes.</summary>
    public static byte[] Encode(BigInteger y)
    {
        if (y.Sign < 0 || y >= Prime) throw new ArgumentOutOfRangeException(nameof(y), "a share is an element of the field");
        var bytes = new byte[ValueBytes];
        int n = y.GetByteCount(isUnsigned: true);
        y.TryWriteBytes(bytes.AsSpan(ValueBytes - n), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>A share's y from its wire bytes; null when it is not 66 bytes or not below p.</summary>
    public static BigInteger? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ValueBytes) return null;
        var y = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return y < Prime ? y : null;
    }

    static BigInteger RandomElement(RandomBytes random)
    {
        Span<byte> buffer = stackalloc byte[ValueBytes];
        while (true)
        {
            random(buffer);
            buffer[0] &= 0x01; // 521 bits: 1 in the top byte, 65 × 8 below
            var v = new BigInteger(buffer, isUnsigned: true, isBigEndian: true);
            if (v < Prime) return v;
        }
    }

    /// <summary>w_j = 1 / Π_{m≠j} (x_j − x_m), all inverted at once (Montgomery's trick: one modular inverse in all).</summary>
    static BigInteger[] BarycentricWeights(IReadOnlyList<ShamirShare> basis)
    {
        int t = basis.Count;
        var denominators = new BigInteger[t];
        for (int j = 0; j < t; j++)
        {
            BigInteger d = BigInteger.One;
            for (int m = 0; m < t; m++)
                if (m != j) d = d * Mod(basis[j].X - basis[m].X) % Prime;
            denominators[j] = d;
        }
        var prefix = new BigInteger[t + 1];
        prefix[0] = BigInteger.One;
        for (int j = 0; j < t; j++) prefix[j + 1] = prefix[j] * denominators[j] % Prime;
        var inverse = BigInteger.ModPow(prefix[t], Prime - 2, Prime);
        var weights = new BigInteger[t];
        for (int j = t - 1; j >= 0; j--)
        {
            weights[j] = inverse * prefix[j] % Prime;
            inverse = inverse * denominators[j] % Prime;
        }
        return weights;
    }

    /// <summary>L(at) = Σ_j y_j w_j Π_{m≠j} (at − x_m), the products from prefix and suffix runs so no inverse is needed.</summary>
    static BigInteger Evaluate(IReadOnlyList<ShamirShare> basis, BigInteger[] weights, BigInteger at)
    {
        int t = basis.Count;
        var prefix = new BigInteger[t + 1];
        var suffix = new BigInteger[t + 1];
        prefix[0] = suffix[t] = BigInteger.One;
        for (int j = 0; j < t; j++) prefix[j + 1] = prefix[j] * Mod(at - basis[j].X) % Prime;
        for (int j = t - 1; j >= 0; j--) suffix[j] = suffix[j + 1] * Mod(at - basis[j].X) % Prime;
        BigInteger sum = BigInteger.Zero;
        for (int j = 0; j < t; j++)
            sum = (sum + basis[j].Y * weights[j] % Prime * (prefix[j] * suffix[j + 1] % Prime)) % Prime;
        return sum;
    }

    static BigInteger Mod(BigInteger v)
    {
        var r = v % Prime;
        return r.Sign < 0 ? r + Prime : r;
    }
}
