using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>Malformed, replayed and out-of-place messages are refused with a reason, and the round still sums right after.</summary>
public class HostileMessageTests
{
    const int N = 8, Length = 32;

    static void Refused(SecAggServer server, Action send, string reason)
    {
        int before = server.Received;
        var stage = server.Stage;
        var e = Assert.Throws<SecAggProtocolException>(send);
        Assert.Contains(reason, e.Message);
        Assert.Equal(before, server.Received);
        Assert.Equal(stage, server.Stage);
    }

    static void Finishes(ManualRound round)
    {
        if (round.Server.Stage == SecAggStage.ShareKeys) { foreach (var m in round.Shared.Values) round.Server.Accept(m); round.Mask().Unmask(); }
        else if (round.Server.Stage == SecAggStage.MaskedInput) { foreach (var m in round.Masked.Values) round.Server.Accept(m); round.Unmask(); }
        Assert.Equal(round.PlainSum, round.Server.CloseUnmask().Sum);
    }

    [Fact]
    public void Advertised_keys_are_checked()
    {
        var round = new ManualRound(N, Length).Advertise(send: false);
        var server = round.Server;
        var a = round.Advertised[1];
        server.Accept(a);
        Refused(server, () => server.Accept(a), "already advertised");
        Refused(server, () => server.Accept(a with { Client = 0 }), "not one of the round's");
        Refused(server, () => server.Accept(a with { Client = N + 1 }), "not one of the round's");
        Refused(server, () => server.Accept(round.Advertised[2] with { MaskKey = round.Advertised[2].MaskKey[..64] }), "mask key is not");
        var offCurve = (byte[])round.Advertised[2].EncryptionKey.Clone();
        offCurve[40] ^= 1;
        Refused(server, () => server.Accept(round.Advertised[2] with { EncryptionKey = offCurve }), "encryption key is not");
        Refused(server, () => server.Accept(round.Advertised[2] with { EncryptionKey = null! }), "encryption key is not");
        Refused(server, () => server.Accept(round.Advertised[2] with { MaskKey = a.MaskKey }), "already in use");
        Refused(server, () => server.Accept((AdvertisedKeys)null!), "no message");
        Refused(server, () => server.Accept(new MaskedInput(2, new byte[4 * Length])), "belongs to stage MaskedInput");
        foreach (var m in round.Advertised.Values.Skip(1)) server.Accept(m);
        round.Share().Mask().Unmask();
        Finishes(round);
    }

    [Fact]
    public void Shared_keys_are_checked()
    {
        var round = new ManualRound(N, Length).Advertise().Share(send: false);
        var server = round.Server;
        var s = round.Shared[3];
        Refused(server, () => server.Accept(s with { Shares = s.Shares.Skip(1).ToList() }), "shares for its");
        Refused(server, () => server.Accept(s with { Shares = [.. s.Shares.Skip(1), s.Shares[0] with { Recipient = 3 }] }), "not its neighbour");
        Refused(server, () => server.Accept(s with { Shares = [.. s.Shares.Skip(1), s.Shares[1]] }), "two shares for");
        Refused(server, () => server.Accept(s with { Shares = [s.Shares[0] with { Sender = 4 }, .. s.Shares.Skip(1)] }), "signed as from 4");
        Refused(server, () => server.Accept(s with { Shares = [s.Shares[0] with { Ciphertext = s.Shares[0].Ciphertext[1..] }, .. s.Shares.Skip(1)] }), "168-byte");
        Refused(server, () => server.Accept(s with { SeedCommitment = new byte[31] }), "commitment");
        Refused(server, () => server.Accept(s with { Shares = null! }), "no share list");
        Refused(server, () => server.Accept(round.Advertised[1]), "belongs to stage AdvertiseKeys");
        server.Accept(s);
        Refused(server, () => server.Accept(s), "already shared keys");
        round.Shared.Remove(3);
        Finishes(round);
    }

    [Fact]
    public void Masked_inputs_are_checked()
    {
        var round = new ManualRound(N, Length).Advertise().Share().Mask(send: false);
        var server = round.Server;
        var m = round.Masked[2];
        Refused(server, () => server.Accept(m with { Words = m.Words[..^4] }), "not 32 words");
        Refused(server, () => server.Accept(m with { Words = [.. m.Words, 0, 0, 0, 0] }), "not 32 words");
        Refused(server, () => server.Accept(m with { Words = null! }), "0 bytes");
        var tooBig = (byte[])m.Words.Clone();
        tooBig[7] = 0xFF; // word 1's top byte: ≥ 2^b for b < 32
        Refused(server, () => server.Accept(m with { Words = tooBig }), "not below 2^");
        Refused(server, () => server.Accept(m with { Client = 99 }), "not among those that shared keys");
        server.Accept(m);
        Refused(server, () => server.Accept(m), "already sent");
        round.Masked.Remove(2);
        Finishes(round);
    }

    [Theory]
    [InlineData(3)]     // in the vector part
    [InlineData(100)]   // in the scalar tail (101 words)
    public void A_word_past_2_to_the_b_leaves_the_running_sum_as_it_was(int at)
    {
        var sum = Enumerable.Range(0, 101).Select(i => (uint)(i * 977)).ToArray();
        var before = (uint[])sum.Clone();
        var words = Enumerable.Range(0, 101).Select(i => (uint)(i * 13 % 1000)).ToArray();
        words[at] = 1u << 20;
        Assert.False(SecAggWords.TryAdd(sum, words, bits: 20));
        Assert.Equal(before, sum);
        words[at] = (1u << 20) - 1;
        Assert.True(SecAggWords.TryAdd(sum, words, bits: 20));
        Assert.Equal(before.Zip(words, (a, b) => a + b), sum);
    }

    [Fact]
    public void Revealed_shares_are_checked()
    {
        var round = new ManualRound(N, Length).Advertise().Share().Mask(send: false);
        foreach (var (i, m) in round.Masked) if (i != 5) round.Server.Accept(m);
        round.Unmask(send: false);
        var server = round.Server;
        var r = round.Revealed[1];
        Assert.Single(r.ScalarShares);
        Refused(server, () => server.Accept(r with { SeedShares = r.SeedShares.Skip(1).ToList() }), "it was asked for");
        Refused(server, () => server.Accept(r with { ScalarShares = [] }), "it was asked for");
        Refused(server, () => server.Accept(r with { SeedShares = [.. r.SeedShares, new RevealedShare(5, r.SeedShares[0].Value)] }), "not asked for");
        Refused(server, () => server.Accept(r with { SeedShares = [.. r.SeedShares.Skip(1), r.SeedShares[1]] }), "two seed shares");
        Refused(server, () => server.Accept(r with { SeedShares = [r.SeedShares[0] with { Value = new byte[65] }, .. r.SeedShares.Skip(1)] }), "66-byte");
        Refused(server, () => server.Accept(r with { ScalarShares = [r.ScalarShares[0] with { Value = Enumerable.Repeat((byte)0xFF, 66).ToArray() }] }), "66-byte");
        Refused(server, () => server.Accept(r with { Client = 5 }), "not a survivor");
        Refused(server, () => server.Accept(r with { ScalarShares = null! }), "no share lists");
        foreach (var m in round.Revealed.Values) server.Accept(m);
        Refused(server, () => server.Accept(r), "already revealed");
        Assert.Equal(Rounds.PlainSum(round.Clients.Keys.Where(c => c != 5).Select(round.Input), round.P.Bits), server.CloseUnmask().Sum);
    }

    [Fact]
    public void A_client_refuses_to_reveal_both_shares_of_a_neighbour()
    {
        var round = new ManualRound(N, Length).Advertise().Share().Mask().Unmask(answer: false);
        var r = round.Requests[1];
        var client = round.Clients[1];
        var both = Assert.Throws<SecAggProtocolException>(() => client.Unmask(r with { Dropped = [2] }));
        Assert.Contains("both shares of client 2", both.Message);
        Assert.Contains("fewer than t", Assert.Throws<SecAggProtocolException>(() => client.Unmask(r with { Survivors = r.Survivors.Take(round.P.Threshold - 1).Prepend(1).Distinct().ToList() })).Message);
        Assert.Contains("among the survivors", Assert.Throws<SecAggProtocolException>(() => client.Unmask(r with { Survivors = r.Survivors.Where(c => c != 1).ToList(), Dropped = [1] })).Message);
        Assert.Contains("for client 2, not 1", Assert.Throws<SecAggProtocolException>(() => client.Unmask(r with { Client = 2 })).Message);
        Assert.Contains("listed twice", Assert.Throws<SecAggProtocolException>(() => client.Unmask(r with { Survivors = [.. r.Survivors, 3] })).Message);
        // Still able to answer the honest request, once.
        var honest = client.Unmask(r);
        Assert.Equal(N - 1, honest.SeedShares.Count);
        Assert.Empty(honest.ScalarShares);
        Assert.Contains("cannot reveal shares now", Assert.Throws<SecAggProtocolException>(() => client.Unmask(r)).Message);
    }

    [Fact]
    public void A_client_refuses_survivors_that_did_not_share_keys()
    {
        var round = new ManualRound(N, Length).Advertise().Share(send: false);
        foreach (var (i, m) in round.Shared) if (i != 4) round.Server.Accept(m);
        round.Mask().Unmask(answer: false);
        var r = round.Requests[1];
        var e = Assert.Throws<SecAggProtocolException>(() => round.Clients[1].Unmask(r with { Survivors = [.. r.Survivors, 4] }));
        Assert.Contains("neighbour 4 is listed but did not share keys", e.Message);
    }

    [Fact]
    public void A_client_refuses_payloads_out_of_order_or_not_meant_for_it()
    {
        var round = new ManualRound(N, Length).Advertise().Share().Mask(send: false);
        Assert.Contains("cannot advertise keys now", Assert.Throws<SecAggProtocolException>(() => round.Clients[2].AdvertiseKeys()).Message);
        var unstarted = new SecAggClient(round.P, 2, SecAggRandom.Seeded(1));
        Assert.Contains("cannot mask its input now", Assert.Throws<SecAggProtocolException>(() => unstarted.MaskInput(new AddressedShares(2, []), new uint[Length])).Message);
        var a = round.Addressed[3];
        var fresh = new ManualRound(N, Length, random: c => SecAggRandom.Seeded(900 + c)).Advertise().Share(send: false);
        // Shares sealed for client 3 do not open at client 3 of another key set; a tampered ciphertext does not open either.
        Assert.Contains("does not open", Assert.Throws<SecAggProtocolException>(() => fresh.Clients[3].MaskInput(a, new uint[Length])).Message);
        var other = new ManualRound(N, Length, random: c => SecAggRandom.Seeded(700 + c)).Advertise().Share();
        foreach (var x in other.Server.CloseShareKeys()) other.Addressed[x.Client] = x;
        var tampered = other.Addressed[3].Shares[0].Ciphertext.ToArray();
        tampered[20] ^= 1;
        Assert.Contains("does not open", Assert.Throws<SecAggProtocolException>(() =>
            other.Clients[3].MaskInput(other.Addressed[3] with { Shares = [other.Addressed[3].Shares[0] with { Ciphertext = tampered }, .. other.Addressed[3].Shares.Skip(1)] }, new uint[Length])).Message);
        Assert.Throws<ArgumentException>(() => other.Clients[4].MaskInput(other.Addressed[4], new uint[Length - 1]));
        Assert.Throws<ArgumentException>(() => other.Clients[4].MaskInput(other.Addressed[4], Enumerable.Repeat(uint.MaxValue, Length).ToArray()));
        Assert.Contains("not a neighbour", Assert.Throws<SecAggProtocolException>(() =>
            other.Clients[4].MaskInput(other.Addressed[4] with { Shares = [.. other.Addressed[4].Shares, new EncryptedShare(4, 4, new byte[168])] }, new uint[Length])).Message);
    }
}
