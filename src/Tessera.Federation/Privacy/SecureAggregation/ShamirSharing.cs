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
        if (!Valid(shares)) return null;
        var basis = new Basis(shares.Take(threshold).ToList(), shares.Max(s => s.X));
        for (int i = threshold; i < shares.Count; i++)
            if (basis.At(shares[i].X) != shares[i].Y) return null;
        var secret = basis.At(0);
        if (secret.GetByteCount(isUnsigned: true) > SecretBytes) return null;
        var bytes = new byte[SecretBytes];
        secret.TryWriteBytes(bytes.AsSpan(SecretBytes - secret.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>Whether all shares lie on the one polynomial of degree threshold − 1 through the first threshold of them.</summary>
    public static bool LieOnOnePolynomial(IReadOnlyList<ShamirShare> shares, int threshold)
    {
        if (shares.Count < threshold) throw new ArgumentException($"{shares.Count} shares fix no polynomial of degree {threshold - 1}", nameof(shares));
        if (!Valid(shares)) return false;
        var basis = new Basis(shares.Take(threshold).ToList(), shares.Max(s => s.X));
        for (int i = threshold; i < shares.Count; i++)
            if (basis.At(shares[i].X) != shares[i].Y) return false;
        return true;
    }

    static bool Valid(IReadOnlyList<ShamirShare> shares) =>
        shares.All(s => s.X >= 1 && s.Y.Sign >= 0 && s.Y < Prime) && shares.Select(s => s.X).Distinct().Count() == shares.Count;

    /// <summary>
    /// The polynomial through t shares at holder indices, in barycentric form L(a) = Π_j (a − x_j) · Σ_j w_j y_j /
    /// (a − x_j). At a small integer a the differences are small integers whose inverses are looked up, so each
    /// evaluation costs t multiplications; the weights cost one modular inverse.
    /// </summary>
    sealed class Basis
    {
        readonly IReadOnlyList<ShamirShare> _points;
        readonly BigInteger[] _scaled;
        readonly BigInteger[] _inverses;

        public Basis(IReadOnlyList<ShamirShare> points, int largestX)
        {
            _points = points;
            var weights = BarycentricWeights(points);
            _scaled = new BigInteger[points.Count];
            for (int j = 0; j < points.Count; j++) _scaled[j] = Reduce(weights[j] * points[j].Y);
            _inverses = SmallInverses(largestX);
        }

        public BigInteger At(int a)
        {
            BigInteger sum = BigInteger.Zero, product = BigInteger.One;
            for (int j = 0; j < _points.Count; j++)
            {
                long diff = (long)a - _points[j].X;
                if (diff == 0) return _points[j].Y;
                product = Shorten(product * diff);
                var term = _scaled[j] * _inverses[Math.Abs(diff)];
                sum += diff > 0 ? term : -term;
            }
            return Reduce(Mod(sum) * Mod(product));
        }
    }

    static BigInteger[] _inverses = [BigInteger.Zero, BigInteger.One];
    static readonly Lock InversesLock = new();

    /// <summary>1/k mod p for k = 1..upTo (index 0 unused), kept and grown as needed; all inverted at once.</summary>
    static BigInteger[] SmallInverses(int upTo)
    {
        var known = Volatile.Read(ref _inverses);
        if (known.Length > upTo) return known;
        lock (InversesLock)
        {
            if (_inverses.Length > upTo) return _inverses;
            int size = Math.Max(upTo + 1, 2 * _inverses.Length);
            var prefix = new BigInteger[size];
            prefix[0] = prefix[1] = BigInteger.One;
            for (int k = 2; k < size; k++) prefix[k] = Reduce(prefix[k - 1] * k);
            var inverse = BigInteger.ModPow(prefix[size - 1], Prime - 2, Prime);
            var result = new BigInteger[size];
            for (int k = size - 1; k >= 1; k--)
            {
                result[k] = Reduce(inverse * prefix[k - 1]);
                inverse = Reduce(inverse * k);
            }
            Volatile.Write(ref _inverses, result);
            return result;
        }
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

    /// <summary>
    /// w_j = 1 / Π_{m≠j} (x_j − x_m), all inverted at once (Montgomery's trick: one modular inverse in all). The
    /// differences are small integers, so each product is built exactly and reduced once.
    /// </summary>
    static BigInteger[] BarycentricWeights(IReadOnlyList<ShamirShare> basis)
    {
        int t = basis.Count;
        var denominators = new BigInteger[t];
        for (int j = 0; j < t; j++)
        {
            BigInteger d = BigInteger.One;
            for (int m = 0; m < t; m++)
                if (m != j) d *= (long)basis[j].X - basis[m].X;
            denominators[j] = Mod(d);
        }
        var prefix = new BigInteger[t + 1];
        prefix[0] = BigInteger.One;
        for (int j = 0; j < t; j++) prefix[j + 1] = Reduce(prefix[j] * denominators[j]);
        var inverse = BigInteger.ModPow(prefix[t], Prime - 2, Prime);
        var weights = new BigInteger[t];
        for (int j = t - 1; j >= 0; j--)
        {
            weights[j] = Reduce(inverse * prefix[j]);
            inverse = Reduce(inverse * denominators[j]);
        }
        return weights;
    }

    /// <summary>
    /// L(at) = Σ_j y_j w_j Π_{m≠j} (at − x_m), the products from prefix and suffix runs so no inverse is needed
    /// (at and every x are small integers, so the runs grow exactly and are reduced only when long).
    /// </summary>
    static BigInteger Evaluate(IReadOnlyList<ShamirShare> basis, BigInteger[] weights, BigInteger at)
    {
        int t = basis.Count;
        var prefix = new BigInteger[t + 1];
        var suffix = new BigInteger[t + 1];
        prefix[0] = suffix[t] = BigInteger.One;
        for (int j = 0; j < t; j++) prefix[j + 1] = Shorten(prefix[j] * Mod(at - basis[j].X));
        for (int j = t - 1; j >= 0; j--) suffix[j] = Shorten(suffix[j + 1] * Mod(at - basis[j].X));
        BigInteger sum = BigInteger.Zero;
        for (int j = 0; j < t; j++)
            sum += Reduce(basis[j].Y * weights[j]) * Reduce(prefix[j] * suffix[j + 1]);
        return Reduce(sum);
    }

    static BigInteger Shorten(BigInteger v) => v.GetBitLength() <= 2048 ? v : v.Sign < 0 ? -Reduce(-v) : Reduce(v);

    /// <summary>v mod p for v ≥ 0 without division: 2^521 ≡ 1, so the bits above 521 fold onto the bits below.</summary>
    static BigInteger Reduce(BigInteger v)
    {
        while (v.GetBitLength() > 521) v = (v & Prime) + (v >> 521);
        return v == Prime ? BigInteger.Zero : v;
    }

    static BigInteger Mod(BigInteger v)
    {
        if (v.Sign >= 0) return Reduce(v);
        var r = Reduce(-v);
        return r.IsZero ? r : Prime - r;
    }
}
