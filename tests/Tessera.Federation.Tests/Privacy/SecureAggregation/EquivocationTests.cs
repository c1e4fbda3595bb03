using Tessera.Federation.Privacy.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>A client that deals its neighbours shares of different polynomials aborts the round; it never yields a wrong sum.</summary>
public class EquivocationTests
{
    const int N = 8, Length = 16, TwoFaced = 3;

    /// <summary>Same keys (the first 64 bytes: two scalars), then a different stream: a twin that deals other shares.</summary>
    static RandomBytes Stream(int common, int after)
    {
        var first = new Random(common);
        var then = new Random(after);
        int used = 0;
        var one = new byte[1];
        return into =>
        {
            for (int i = 0; i < into.Length; i++, used++)
            {
                (used < 64 ? first : then).NextBytes(one);
                into[i] = one[0];
            }
        };
    }

    /// <summary>A round in which client 3 sends neighbours 1 and 2 its twin's shares and everyone else its own (or, with <paramref name="commitOnly"/>, only its twin's commitment).</summary>
    static ManualRound Equivocating(bool commitOnly = false)
    {
        var round = new ManualRound(N, Length, random: c => c == TwoFaced ? Stream(42, 1) : SecAggRandom.Seeded(500 + c)).Advertise().Share(send: false);
        var twin = new SecAggClient(round.P, TwoFaced, Stream(42, 2));
        Assert.Equal(round.Advertised[TwoFaced].MaskKey, twin.AdvertiseKeys().MaskKey);
        var other = twin.ShareKeys(round.NeighbourKeys[TwoFaced]);
        var honest = round.Shared[TwoFaced];
        round.Shared[TwoFaced] = commitOnly ? honest with { SeedCommitment = other.SeedCommitment } : honest with { Shares = honest.Shares.Select(s => s.Recipient is 1 or 2 ? other.Shares.Single(o => o.Recipient == s.Recipient) : s).ToList() };
        foreach (var m in round.Shared.Values) round.Server.Accept(m);
        return round;
    }

    [Fact]
    public void Shares_off_one_polynomial_abort_the_round()
    {
        var round = Equivocating().Mask().Unmask();
        var e = Assert.Throws<SecAggAbortedException>(() => round.Server.CloseUnmask());
        Assert.Contains($"the seed shares of client {TwoFaced} are inconsistent", e.Reason);
        Assert.Equal(SecAggStage.Failed, round.Server.Stage);
        Assert.Throws<SecAggAbortedException>(() => round.Server.CloseUnmask());
    }

    [Fact]
    public void Exactly_t_shares_with_false_ones_are_caught()
    {
        var round = Equivocating().Mask().Unmask(send: false);
        // t + 1 responders including the two that hold the twin's shares: client 3's seed comes from exactly t of them.
        int[] responders = [1, 2, TwoFaced, 4, 5];
        Assert.Equal(responders.Length, round.P.Threshold + 1);
        foreach (int c in responders) round.Server.Accept(round.Revealed[c]);
        var e = Assert.Throws<SecAggAbortedException>(() => round.Server.CloseUnmask());
        // No extra share to check against; the value at 0 of the mixed polynomial is no 32-byte secret (or fails the commitment).
        Assert.Contains($"client {TwoFaced}", e.Reason);
        Assert.Matches("inconsistent|does not match its commitment", e.Reason);
    }

    [Fact]
    public void A_commitment_to_another_seed_aborts_the_round()
    {
        var round = Equivocating(commitOnly: true).Mask().Unmask();
        var e = Assert.Throws<SecAggAbortedException>(() => round.Server.CloseUnmask());
        Assert.Contains($"client {TwoFaced}'s rebuilt self-mask seed does not match its commitment", e.Reason);
    }

    [Fact]
    public void A_dropped_equivocator_fails_its_public_key_check_or_consistency()
    {
        var round = Equivocating().Mask(send: false);
        foreach (var (c, m) in round.Masked) if (c != TwoFaced) round.Server.Accept(m);
        round.Unmask();
        var e = Assert.Throws<SecAggAbortedException>(() => round.Server.CloseUnmask());
        Assert.Contains($"the mask-key shares of client {TwoFaced} are inconsistent", e.Reason);
    }
}
