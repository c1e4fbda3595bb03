using CsCheck;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>
/// Random and mutated messages at every stage: the server throws only <see cref="SecAggProtocolException"/>, keeps
/// its stage and count, and the honest round still ends with the exact sum.
/// </summary>
public class ServerPropertyTests
{
    const int N = 7, Length = 12, Iterations = 150;

    static void Send(SecAggServer server, object message)
    {
        switch (message)
        {
            case AdvertisedKeys m: server.Accept(m); break;
            case SharedKeys m: server.Accept(m); break;
            case MaskedInput m: server.Accept(m); break;
            case UnmaskShares m: server.Accept(m); break;
            default: throw new InvalidOperationException(message.GetType().Name);
        }
    }

    static void NeverAccepted(SecAggServer server, Gen<object> messages) => messages.Sample(m =>
    {
        int received = server.Received;
        var stage = server.Stage;
        Assert.Throws<SecAggProtocolException>(() => Send(server, m));
        Assert.Equal(received, server.Received);
        Assert.Equal(stage, server.Stage);
    }, iter: Iterations, threads: 1);

    static readonly Gen<int> Outsider = Gen.OneOf(Gen.Int[int.MinValue, 0], Gen.Int[N + 1, int.MaxValue]);
    static readonly Gen<byte[]?> Junk = Gen.OneOf(Gen.Byte.Array[0, 200].Select(b => (byte[]?)b), Gen.Const(() => (byte[]?)null));

    static Gen<byte[]> Flipped(byte[] bytes) =>
        from i in Gen.Int[0, bytes.Length - 1]
        from bit in Gen.Int[0, 7]
        select Flip(bytes, i, bit);

    static byte[] Flip(byte[] bytes, int i, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[i] ^= (byte)(1 << bit);
        return copy;
    }

    static Gen<byte[]> Resized(byte[] bytes) =>
        Gen.Int[-Math.Min(bytes.Length, 8), 8].Where(d => d != 0).Select(d => d < 0 ? bytes[..^(-d)] : [.. bytes, .. new byte[d]]);

    static Gen<object> Replays(IEnumerable<object> sent) { var all = sent.ToArray(); return Gen.Int[0, all.Length - 1].Select(i => all[i]); }

    static Gen<List<T>> Without<T>(IReadOnlyList<T> list) => Gen.Int[0, list.Count - 1].Select(i => list.Where((_, j) => j != i).ToList());
    static Gen<List<T>> Doubled<T>(IReadOnlyList<T> list) => Gen.Int[0, list.Count - 1].Select(i => list.Append(list[i]).ToList());

    static Gen<List<T>> Changed<T>(IReadOnlyList<T> list, Func<T, Gen<T>> change) =>
        from i in Gen.Int[0, list.Count - 1]
        from changed in change(list[i])
        select list.Select((x, j) => j == i ? changed : x).ToList();

    [Fact]
    public void Mutated_messages_never_change_the_server_and_the_round_still_sums_exactly()
    {
        var round = new ManualRound(N, Length).Advertise(send: false);
        var server = round.Server;
        var old = new List<object>();

        var a = round.Advertised[N];
        foreach (var (c, m) in round.Advertised) if (c != N) server.Accept(m);
        NeverAccepted(server, Gen.OneOf(
            Replays(round.Advertised.Values.Where(m => m.Client != N)),
            Outsider.Select(c => (object)(a with { Client = c })),
            Flipped(a.EncryptionKey).Select(k => (object)(a with { EncryptionKey = k })),
            Flipped(a.MaskKey).Select(k => (object)(a with { MaskKey = k })),
            Resized(a.MaskKey).Select(k => (object)(a with { MaskKey = k })),
            Junk.Select(k => (object)(a with { EncryptionKey = k! })),
            Gen.Select(Gen.Int[1, N - 1], Gen.Int[1, N - 1], (i, j) => (object)(a with { MaskKey = round.Advertised[i].MaskKey, EncryptionKey = round.Advertised[j].EncryptionKey })),
            Gen.Select(Gen.Int, Junk, Junk, (c, e, m) => (object)new AdvertisedKeys(c, e!, m!)),
            Gen.Const<object>(new MaskedInput(N, new byte[4 * Length]))));
        server.Accept(a);
        old.AddRange(round.Advertised.Values);

        round.Share(send: false);
        var s = round.Shared[N];
        foreach (var (c, m) in round.Shared) if (c != N) server.Accept(m);
        NeverAccepted(server, Gen.OneOf(
            Replays(round.Shared.Values.Where(m => m.Client != N).Concat<object>(old)),
            Outsider.Select(c => (object)(s with { Client = c })),
            Without(s.Shares).Select(x => (object)(s with { Shares = x })),
            Doubled(s.Shares).Select(x => (object)(s with { Shares = x })),
            Changed(s.Shares, e => Gen.Int.Where(r => r != e.Recipient).Select(r => e with { Recipient = r })).Select(x => (object)(s with { Shares = x })),
            Changed(s.Shares, e => Gen.Int.Where(r => r != N).Select(r => e with { Sender = r })).Select(x => (object)(s with { Shares = x })),
            Changed(s.Shares, e => Resized(e.Ciphertext).Select(b => e with { Ciphertext = b })).Select(x => (object)(s with { Shares = x })),
            Resized(s.SeedCommitment).Select(b => (object)(s with { SeedCommitment = b })),
            Gen.Const<object>(s with { Shares = null! }),
            Gen.Const<object>(s with { SeedCommitment = null! })));
        server.Accept(s);
        old.AddRange(round.Shared.Values);

        round.Mask(send: false);
        var x = round.Masked[N];
        foreach (var (c, m) in round.Masked) if (c != N) server.Accept(m);
        uint limit = SecureQuantizer.Mask(round.P.Bits);
        NeverAccepted(server, Gen.OneOf(
            Replays(round.Masked.Values.Where(m => m.Client != N).Concat<object>(old)),
            Outsider.Select(c => (object)(x with { Client = c })),
            Resized(x.Words).Select(w => (object)(x with { Words = w })),
            Gen.Select(Gen.Int[0, Length - 1], Gen.UInt[limit + 1, uint.MaxValue], (i, v) =>
            {
                var words = SecAggWords.Decode(x.Words);
                words[i] = v;
                return (object)(x with { Words = SecAggWords.Encode(words) });
            }),
            Junk.Select(w => (object)(x with { Words = w! }))));
        server.Accept(x);
        old.AddRange(round.Masked.Values);

        round.Unmask(send: false);
        var u = round.Revealed[N];
        foreach (var (c, m) in round.Revealed) if (c != N) server.Accept(m);
        NeverAccepted(server, Gen.OneOf(
            Replays(round.Revealed.Values.Where(m => m.Client != N).Concat<object>(old)),
            Outsider.Select(c => (object)(u with { Client = c })),
            Without(u.SeedShares).Select(l => (object)(u with { SeedShares = l })),
            Doubled(u.SeedShares).Select(l => (object)(u with { SeedShares = l })),
            Changed(u.SeedShares, r => Gen.Int.Where(o => o != r.Owner).Select(o => r with { Owner = o })).Select(l => (object)(u with { SeedShares = l })),
            Changed(u.SeedShares, r => Resized(r.Value).Select(v => r with { Value = v })).Select(l => (object)(u with { SeedShares = l })),
            Changed(u.SeedShares, r => Gen.Const(r with { Value = Enumerable.Repeat((byte)0xFF, 66).ToArray() })).Select(l => (object)(u with { SeedShares = l })),
            Gen.Const<object>(u with { SeedShares = u.ScalarShares, ScalarShares = u.SeedShares }),
            Gen.Const<object>(u with { ScalarShares = null! })));
        server.Accept(u);

        Assert.Equal(round.PlainSum, server.CloseUnmask().Sum);
    }
}
