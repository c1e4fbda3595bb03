using System.Numerics;
using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

public class ShamirSharingTests
{
    static byte[] Secret(int seed)
    {
        var s = new byte[32];
        new Random(seed).NextBytes(s);
        return s;
    }

    static readonly int[] Holders = [2, 3, 5, 8, 9, 11, 12];

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void Any_t_shares_rebuild_the_secret(int t)
    {
        var secret = Secret(t);
        var shares = ShamirSharing.Split(secret, t, Holders, SecAggRandom.Seeded(1));
        var random = new Random(t);
        for (int trial = 0; trial < 10; trial++)
        {
            var subset = shares.OrderBy(_ => random.Next()).Take(t + random.Next(Holders.Length - t + 1)).ToList();
            Assert.Equal(secret, ShamirSharing.Reconstruct(subset, t));
        }
    }

    [Fact]
    public void Fewer_than_t_shares_are_consistent_with_every_candidate_secret()
    {
        const int t = 4;
        var secret = Secret(1);
        var shares = ShamirSharing.Split(secret, t, Holders, SecAggRandom.Seeded(2));
        var known = shares.Take(t - 1).ToList();
        // Lagrange on t − 1 shares interpolates a polynomial of too low a degree: not the secret.
        Assert.NotEqual(new BigInteger(secret, isUnsigned: true, isBigEndian: true), ShamirSharing.InterpolateAtZero(known));
        // For any candidate c, the t − 1 shares and (0, c) fix one polynomial of degree t − 1; a t-th share on it
        // rebuilds c, so the t − 1 shares alone rule no candidate out.
        foreach (int seed in new[] { 10, 11, 12 })
        {
            var candidate = Secret(seed);
            var through = known.Append(new ShamirShare(0, new BigInteger(candidate, isUnsigned: true, isBigEndian: true))).ToList();
            var fourth = new ShamirShare(Holders[t - 1], ShamirSharing.InterpolateAt(through, Holders[t - 1]));
            Assert.Equal(candidate, ShamirSharing.Reconstruct([.. known, fourth], t));
        }
        Assert.Throws<ArgumentException>(() => ShamirSharing.Reconstruct(known, t));
    }

    [Fact]
    public void A_share_off_the_polynomial_is_detected_when_more_than_t_come_back()
    {
        const int t = 3;
        var shares = ShamirSharing.Split(Secret(3), t, Holders, SecAggRandom.Seeded(3)).ToList();
        Assert.True(ShamirSharing.LieOnOnePolynomial(shares, t));
        shares[5] = shares[5] with { Y = (shares[5].Y + 1) % ShamirSharing.Prime };
        Assert.False(ShamirSharing.LieOnOnePolynomial(shares, t));
        Assert.Null(ShamirSharing.Reconstruct(shares, t));
        Assert.NotNull(ShamirSharing.Reconstruct(shares.Take(5).ToList(), t)); // the t it rebuilds from are fine
    }

    [Fact]
    public void The_parity_check_catches_any_one_altered_share_and_a_polynomial_one_degree_too_high()
    {
        const int t = 4;
        int[] holders = [.. Enumerable.Range(1, 40).Select(i => 3 * i + 1)];
        var shares = ShamirSharing.Split(Secret(9), t, holders, SecAggRandom.Seeded(9)).ToList();
        Assert.Equal(Secret(9), ShamirSharing.Reconstruct(shares, t));
        for (int at = 0; at < shares.Count; at++)
        {
            var altered = shares.ToList();
            altered[at] = altered[at] with { Y = (altered[at].Y + at + 1) % ShamirSharing.Prime };
            Assert.False(ShamirSharing.LieOnOnePolynomial(altered, t), $"share {at} altered");
        }
        // Shares of a degree-t polynomial (threshold t + 1) are not consistent with threshold t, but are with t + 1.
        var higher = ShamirSharing.Split(Secret(9), t + 1, holders, SecAggRandom.Seeded(10)).ToList();
        Assert.False(ShamirSharing.LieOnOnePolynomial(higher, t));
        Assert.True(ShamirSharing.LieOnOnePolynomial(higher, t + 1));
        Assert.Equal(Secret(9), ShamirSharing.Reconstruct(higher, t + 1));
    }

    [Fact]
    public void A_share_is_66_big_endian_bytes_below_p()
    {
        var y = ShamirSharing.Prime - 5;
        var bytes = ShamirSharing.Encode(y);
        Assert.Equal(66, bytes.Length);
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(y, ShamirSharing.Decode(bytes));
        Assert.Null(ShamirSharing.Decode(ShamirSharing.Encode(ShamirSharing.Prime - 1).Select(_ => (byte)0xFF).ToArray()));
        Assert.Null(ShamirSharing.Decode(new byte[65]));
        Assert.Equal(new byte[66], ShamirSharing.Encode(BigInteger.Zero));
    }
}
