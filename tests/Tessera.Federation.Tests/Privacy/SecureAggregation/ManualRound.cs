using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>A round stepped by hand, stage by stage, so a test can intervene between any two messages.</summary>
sealed class ManualRound
{
    public ManualRound(int n, int length, int? degree = null, int? threshold = null, Func<int, RandomBytes>? random = null)
    {
        P = Rounds.Parameters(n, length, degree, threshold);
        Q = Rounds.Quantizer(n);
        Server = new SecAggServer(P);
        Clients = Enumerable.Range(1, n).ToDictionary(i => i, i => new SecAggClient(P, i, (random ?? (c => SecAggRandom.Seeded(500 + c)))(i)));
    }

    public SecAggParameters P { get; }
    public SecureQuantizer Q { get; }
    public SecAggServer Server { get; }
    public Dictionary<int, SecAggClient> Clients { get; }
    public Dictionary<int, AdvertisedKeys> Advertised { get; } = [];
    public Dictionary<int, NeighbourKeys> NeighbourKeys { get; } = [];
    public Dictionary<int, SharedKeys> Shared { get; } = [];
    public Dictionary<int, AddressedShares> Addressed { get; } = [];
    public Dictionary<int, MaskedInput> Masked { get; } = [];
    public Dictionary<int, UnmaskRequest> Requests { get; } = [];
    public Dictionary<int, UnmaskShares> Revealed { get; } = [];

    public uint[] Input(int c) => Rounds.Words(Q, c, P.Length);

    public ManualRound Advertise(bool send = true)
    {
        foreach (var (i, c) in Clients) Advertised[i] = c.AdvertiseKeys();
        if (send) foreach (var m in Advertised.Values) Server.Accept(m);
        return this;
    }

    public ManualRound Share(bool send = true)
    {
        foreach (var k in Server.CloseAdvertiseKeys()) NeighbourKeys[k.Client] = k;
        foreach (var (i, k) in NeighbourKeys) Shared[i] = Clients[i].ShareKeys(k);
        if (send) foreach (var m in Shared.Values) Server.Accept(m);
        return this;
    }

    public ManualRound Mask(bool send = true)
    {
        foreach (var a in Server.CloseShareKeys()) Addressed[a.Client] = a;
        foreach (var (i, a) in Addressed) Masked[i] = Clients[i].MaskInput(a, Input(i));
        if (send) foreach (var m in Masked.Values) Server.Accept(m);
        return this;
    }

    public ManualRound Unmask(bool send = true, bool answer = true)
    {
        foreach (var r in Server.CloseMaskedInput()) Requests[r.Client] = r;
        if (!answer) return this;
        foreach (var (i, r) in Requests) Revealed[i] = Clients[i].Unmask(r);
        if (send) foreach (var m in Revealed.Values) Server.Accept(m);
        return this;
    }

    public uint[] PlainSum => Rounds.PlainSum(Clients.Keys.Select(Input), P.Bits);
}
