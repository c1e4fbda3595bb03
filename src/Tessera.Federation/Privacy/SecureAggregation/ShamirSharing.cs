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
    /// The secret from the shares, after checking that they all lie on one polynomial of degree below
    /// <paramref name="threshold"/>; null when they do not (someone equivocated or a share was altered) or when the
    /// value at 0 is not a 32-byte secret.
    /// </summary>
    public static byte[]? Reconstruct(IReadOnlyList<ShamirShare> shares, int threshold) => ReconstructAll([shares], threshold)[0];

    /// <summary>
    /// <see cref="Reconstruct"/> for several secrets at once, as a server's unmask stage rebuilds one per client: their
    /// weights share one modular inverse (Montgomery's trick across the secrets), which is most of one secret's cost.
    /// Sets are worked on in parallel.
    /// </summary>
    public static byte[]?[] ReconstructAll(IReadOnlyList<IReadOnlyList<ShamirShare>> sets, int threshold)
    {
        foreach (var shares in sets)
            if (shares.Count < threshold) throw new ArgumentException($"{shares.Count} shares cannot rebuild a secret of threshold {threshold}", nameof(sets));
        var valid = sets.Select(Valid).ToArray();
        var parts = new (BigInteger[] Denominators, BigInteger[] Prefix)[sets.Count];
        Parallel.For(0, sets.Count, i => { if (valid[i]) parts[i] = Denominators(sets[i]); });
        // One inverse of the product of every set's product of denominators, then each set's own inverse from it.
        var running = new BigInteger[sets.Count + 1];
        running[0] = BigInteger.One;
        for (int i = 0; i < sets.Count; i++) running[i + 1] = valid[i] ? Reduce(running[i] * parts[i].Prefix[^1]) : running[i];
        var inverse = BigInteger.ModPow(running[^1], Prime - 2, Prime);
        var inverses = new BigInteger[sets.Count];
        for (int i = sets.Count - 1; i >= 0; i--)
        {
            if (!valid[i]) continue;
            inverses[i] = Reduce(inverse * running[i]);
            inverse = Reduce(inverse * parts[i].Prefix[^1]);
        }
        var secrets = new byte[]?[sets.Count];
        Parallel.For(0, sets.Count, i =>
        {
            if (!valid[i]) return;
            var shares = sets[i];
            // Through all the shares: once they are known to lie on one polynomial of degree < t, its value at 0 is the secret.
            var basis = new Basis(shares, WeightsFrom(parts[i].Denominators, parts[i].Prefix, inverses[i]), shares.Max(s => s.X));
            if (!OnOnePolynomial(shares, threshold, basis.Weights)) return;
            var secret = basis.At(0);
            if (secret.GetByteCount(isUnsigned: true) > SecretBytes) return;
            var bytes = new byte[SecretBytes];
            secret.TryWriteBytes(bytes.AsSpan(SecretBytes - secret.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            secrets[i] = bytes;
        });
        return secrets;
    }

    /// <summary>Whether all shares lie on one polynomial of degree below <paramref name="threshold"/>.</summary>
    public static bool LieOnOnePolynomial(IReadOnlyList<ShamirShare> shares, int threshold)
    {
        if (shares.Count < threshold) throw new ArgumentException($"{shares.Count} shares fix no polynomial of degree {threshold - 1}", nameof(shares));
        if (!Valid(shares)) return false;
        return OnOnePolynomial(shares, threshold, BarycentricWeights(shares));
    }

    /// <summary>
    /// Whether the k shares are a codeword of the Reed–Solomon code of polynomials of degree &lt; t at their x's, by one
    /// random parity check: the dual code is {(w_j·f(x_j))} for f of degree &lt; k − t, with w_j = 1/Π_{m≠j}(x_j − x_m)
    /// (<paramref name="weights"/>), so Σ_j w_j f(x_j) y_j = 0 for every such f exactly when the shares are consistent.
    /// With f's coefficients drawn uniformly by the operating system's generator after the shares are fixed, shares off
    /// one polynomial pass with probability 1/p = 2^−521. k products instead of the (k − t)·t of evaluating the
    /// polynomial through t shares at each other one.
    /// </summary>
    static bool OnOnePolynomial(IReadOnlyList<ShamirShare> shares, int threshold, BigInteger[] weights)
    {
        int free = shares.Count - threshold;
        if (free <= 0) return true;   // any t points lie on one polynomial of degree < t
        var f = new BigInteger[free];
        for (int i = 0; i < free; i++) f[i] = RandomElement(System.Security.Cryptography.RandomNumberGenerator.Fill);
        BigInteger check = BigInteger.Zero;
        for (int j = 0; j < shares.Count; j++)
        {
            // Horner at a small x: each step grows the value by a few bits, so it is reduced once at the end.
            BigInteger value = BigInteger.Zero;
            for (int i = free - 1; i >= 0; i--) value = value * shares[j].X + f[i];
            check += Reduce(weights[j] * Reduce(value)) * shares[j].Y;
        }
        return Mod(check).IsZero;
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

        public Basis(IReadOnlyList<ShamirShare> points, BigInteger[] weights, int largestX)
        {
            _points = points;
            Weights = weights;
            _scaled = new BigInteger[points.Count];
            for (int j = 0; j < points.Count; j++) _scaled[j] = Reduce(Weights[j] * points[j].Y);
            _inverses = SmallInverses(largestX);
        }

        /// <summary>w_j = 1/Π_{m≠j}(x_j − x_m) over the points.</summary>
        public BigInteger[] Weights { get; }

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
        var (denominators, prefix) = Denominators(basis);
        return WeightsFrom(denominators, prefix, BigInteger.ModPow(prefix[^1], Prime - 2, Prime));
    }

    /// <summary>Π_{m≠j} (x_j − x_m) mod p for each j, and their running products (the last is the product of all).</summary>
    static (BigInteger[] Denominators, BigInteger[] Prefix) Denominators(IReadOnlyList<ShamirShare> basis)
    {
        int t = basis.Count;
        var denominators = new BigInteger[t];
        for (int j = 0; j < t; j++)
        {
            // The small factors are multiplied in 128 bits first, and only full words into the big product.
            BigInteger d = BigInteger.One;
            UInt128 run = 1;
            bool negative = false;
            for (int m = 0; m < t; m++)
            {
                if (m == j) continue;
                long diff = (long)basis[j].X - basis[m].X;
                if (diff < 0) { negative = !negative; diff = -diff; }
                if (run > UInt128.MaxValue / (ulong)diff) { d *= run; run = 1; }
                run *= (ulong)diff;
            }
            d *= run;
            denominators[j] = Mod(negative ? -d : d);
        }
        var prefix = new BigInteger[t + 1];
        prefix[0] = BigInteger.One;
        for (int j = 0; j < t; j++) prefix[j + 1] = Reduce(prefix[j] * denominators[j]);
        return (denominators, prefix);
    }

    /// <summary>w_j = 1/denominator_j from the running products and the inverse of their last.</summary>
    static BigInteger[] WeightsFrom(BigInteger[] denominators, BigInteger[] prefix, BigInteger inverseOfAll)
    {
        int t = denominators.Length;
        var inverse = inverseOfAll;
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
