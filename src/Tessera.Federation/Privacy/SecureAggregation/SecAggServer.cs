using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// The server's side of one SecAgg+ round. Each stage's messages are accepted one by one, each checked in full
/// before anything is kept: a message that fails throws <see cref="SecAggProtocolException"/> and changes nothing.
/// The caller closes a stage (at a quorum or a deadline, its choice) and gets each remaining client's payload for
/// the next. Clients that fall silent are dropped: before masking they cost nothing; after it, their masks are
/// rebuilt from their neighbours' shares. The round finishes as long as each remaining client keeps t live
/// neighbours; otherwise, or when shares contradict each other or their commitments, it ends in
/// <see cref="SecAggAbortedException"/> (never a wrong sum) and the caller re-runs it. Pure: no I/O, no clock.
/// </summary>
public sealed class SecAggServer
{
    readonly SecAggParameters _p;
    readonly SecAggKeyDerivation _kdf;
    readonly Dictionary<int, (AdvertisedKeys Message, ECDiffieHellman MaskKey)> _advertised = [];
    readonly HashSet<string> _keysSeen = new(StringComparer.Ordinal);
    NeighbourGraph? _graph;
    readonly Dictionary<int, SharedKeys> _shared = [];
    // i → its neighbours that shared keys (and were kept): the partners of its pairwise masks and holders of its shares.
    readonly Dictionary<int, int[]> _partners = [];
    uint[]? _sum;
    readonly SortedSet<int> _survivors = [];
    readonly SortedSet<int> _dropped = [];
    readonly Dictionary<int, UnmaskShares> _revealed = [];

    public SecAggServer(SecAggParameters parameters)
    {
        SecAggPlan.Validate(parameters);
        _p = parameters;
        _kdf = new SecAggKeyDerivation(parameters.JobId, parameters.Round);
    }

    public SecAggParameters Parameters => _p;
    public SecAggStage Stage { get; private set; } = SecAggStage.AdvertiseKeys;
    /// <summary>Why the round failed, once it has.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Messages accepted in the current stage.</summary>
    public int Received => Stage switch
    {
        SecAggStage.AdvertiseKeys => _advertised.Count,
        SecAggStage.ShareKeys => _shared.Count,
        SecAggStage.MaskedInput => _survivors.Count,
        SecAggStage.Unmask => _revealed.Count,
        _ => 0,
    };

    /// <summary>The neighbour graph over the clients that advertised keys (after stage 1).</summary>
    public NeighbourGraph? Graph => _graph;

    public void Accept(AdvertisedKeys message)
    {
        In(SecAggStage.AdvertiseKeys, message);
        int c = message.Client;
        if (c < 1 || c > _p.Clients) throw Refuse($"client {c} is not one of the round's 1..{_p.Clients}");
        if (_advertised.ContainsKey(c)) throw Refuse($"client {c} already advertised keys");
        var encryption = P256Keys.ImportPublic(message.EncryptionKey) ?? throw Refuse($"client {c}'s encryption key is not a 65-byte uncompressed P-256 point");
        var mask = P256Keys.ImportPublic(message.MaskKey) ?? throw Refuse($"client {c}'s mask key is not a 65-byte uncompressed P-256 point");
        encryption.Dispose();
        string e = Convert.ToHexString(message.EncryptionKey), m = Convert.ToHexString(message.MaskKey);
        // A copied key can only be someone else's: its holder could not use it, and shares sealed to it would reach the wrong client.
        if (e == m || _keysSeen.Contains(e) || _keysSeen.Contains(m)) throw Refuse($"client {c} advertises a key already in use");
        _keysSeen.Add(e);
        _keysSeen.Add(m);
        _advertised[c] = (message with { EncryptionKey = (byte[])message.EncryptionKey.Clone(), MaskKey = (byte[])message.MaskKey.Clone() }, mask);
    }

    /// <summary>Ends stage 1: builds the neighbour graph over the clients that advertised and routes each its neighbours' keys.</summary>
    public IReadOnlyList<NeighbourKeys> CloseAdvertiseKeys()
    {
        Closing(SecAggStage.AdvertiseKeys);
        if (_advertised.Count < _p.Threshold + 1)
            Fail($"{_advertised.Count} clients advertised keys; with t = {_p.Threshold} a round needs at least {_p.Threshold + 1}");
        _graph = NeighbourGraph.Build(_advertised.Keys, Math.Min(_p.Degree, _advertised.Count - 1), _p.GraphSeed);
        if (_graph.Degree < _p.Threshold) Fail($"{_advertised.Count} clients give each only {_graph.Degree} neighbours, fewer than t = {_p.Threshold}");
        Stage = SecAggStage.ShareKeys;
        return _graph.Clients.Select(c => new NeighbourKeys(c, _graph.Of(c).Select(n => _advertised[n].Message).ToList())).ToList();
    }

    public void Accept(SharedKeys message)
    {
        In(SecAggStage.ShareKeys, message);
        int c = message.Client;
        if (!_graph!.Contains(c)) throw Refuse($"client {c} did not advertise keys");
        if (_shared.ContainsKey(c)) throw Refuse($"client {c} already shared keys");
        if (message.SeedCommitment is not { Length: SHA256.HashSizeInBytes }) throw Refuse($"client {c}'s seed commitment is not a 32-byte SHA-256");
        if (message.Shares is not { } shares || shares.Any(s => s is null)) throw Refuse($"client {c} sent no share list");
        var neighbours = _graph.Of(c);
        if (shares.Count != neighbours.Count) throw Refuse($"client {c} sent {shares.Count} shares for its {neighbours.Count} neighbours");
        var recipients = new HashSet<int>();
        foreach (var s in shares)
        {
            if (s.Sender != c) throw Refuse($"client {c} sent a share signed as from {s.Sender}");
            if (!neighbours.Contains(s.Recipient)) throw Refuse($"client {c} sent a share for {s.Recipient}, which is not its neighbour");
            if (!recipients.Add(s.Recipient)) throw Refuse($"client {c} sent two shares for {s.Recipient}");
            if (s.Ciphertext is not { Length: ShareCipher.CiphertextBytes }) throw Refuse($"client {c}'s share for {s.Recipient} is not a {ShareCipher.CiphertextBytes}-byte ciphertext");
        }
        _shared[c] = new SharedKeys(c, (byte[])message.SeedCommitment.Clone(), shares.Select(s => s with { Ciphertext = (byte[])s.Ciphertext.Clone() }).ToList());
    }

    /// <summary>
    /// Ends stage 2: every client that shared keys must keep t neighbours that did too (they hold its shares);
    /// otherwise the round fails. Each gets the shares those neighbours sent it.
    /// </summary>
    public IReadOnlyList<AddressedShares> CloseShareKeys()
    {
        Closing(SecAggStage.ShareKeys);
        foreach (int c in _shared.Keys.Order())
        {
            var partners = _graph!.Of(c).Where(_shared.ContainsKey).ToArray();
            if (partners.Length < _p.Threshold)
                Fail($"client {c} keeps {partners.Length} neighbours that shared keys of its {_graph.Of(c).Count}, fewer than t = {_p.Threshold}: its secrets could not be rebuilt; re-run the round");
            _partners[c] = partners;
        }
        if (_shared.Count < _p.Threshold) Fail($"{_shared.Count} clients shared keys; a sum needs at least t = {_p.Threshold}");
        _sum = new uint[_p.Length];
        Stage = SecAggStage.MaskedInput;
        return _partners.Keys.Order().Select(c => new AddressedShares(c,
            _partners[c].Select(j => _shared[j].Shares.Single(s => s.Recipient == c)).ToList())).ToList();
    }

    public void Accept(MaskedInput message)
    {
        In(SecAggStage.MaskedInput, message);
        int c = message.Client;
        if (!_partners.ContainsKey(c)) throw Refuse($"client {c} is not among those that shared keys");
        if (_survivors.Contains(c)) throw Refuse($"client {c} already sent its masked input");
        if (message.Words is null || message.Words.Length != 4L * _p.Length)
            throw Refuse($"client {c}'s masked input is {message.Words?.Length ?? 0} bytes, not {_p.Length} words ({4L * _p.Length} bytes)");
        // Read in place (no 4·d-byte copy per client), checked and summed in one pass.
        ReadOnlySpan<uint> words = BitConverter.IsLittleEndian ? MemoryMarshal.Cast<byte, uint>(message.Words) : SecAggWords.Decode(message.Words);
        if (!SecAggWords.TryAdd(_sum, words, _p.Bits)) throw Refuse($"client {c}'s masked input has a word not below 2^{_p.Bits}");
        _survivors.Add(c);
    }

    /// <summary>
    /// Ends stage 3: who sent a masked input survives, who shared keys but did not is dropped. Every such client
    /// must keep t surviving neighbours to rebuild its seed or its mask key; each survivor is asked for its shares.
    /// </summary>
    public IReadOnlyList<UnmaskRequest> CloseMaskedInput()
    {
        Closing(SecAggStage.MaskedInput);
        if (_survivors.Count < _p.Threshold) Fail($"{_survivors.Count} clients sent masked inputs; a sum needs at least t = {_p.Threshold}");
        foreach (int c in _partners.Keys.Order())
        {
            int live = _partners[c].Count(_survivors.Contains);
            if (live < _p.Threshold)
                Fail($"client {c} keeps {live} live neighbours of its {_partners[c].Length}, fewer than t = {_p.Threshold}: its {(_survivors.Contains(c) ? "self mask" : "pairwise masks")} cannot be removed; re-run the round");
        }
        foreach (int c in _partners.Keys) if (!_survivors.Contains(c)) _dropped.Add(c);
        Stage = SecAggStage.Unmask;
        var survivors = _survivors.ToList();
        var dropped = _dropped.ToList();
        return survivors.Select(c => new UnmaskRequest(c, survivors, dropped)).ToList();
    }

    public void Accept(UnmaskShares message)
    {
        In(SecAggStage.Unmask, message);
        int c = message.Client;
        if (!_survivors.Contains(c)) throw Refuse($"client {c} is not a survivor");
        if (_revealed.ContainsKey(c)) throw Refuse($"client {c} already revealed its shares");
        if (message.SeedShares is null || message.ScalarShares is null || message.SeedShares.Concat(message.ScalarShares).Any(s => s is null))
            throw Refuse($"client {c} sent no share lists");
        Expected(c, "seed", message.SeedShares, _partners[c].Where(_survivors.Contains));
        Expected(c, "mask-key", message.ScalarShares, _partners[c].Where(_dropped.Contains));
        _revealed[c] = new UnmaskShares(c, Copy(message.SeedShares), Copy(message.ScalarShares));

        static List<RevealedShare> Copy(IEnumerable<RevealedShare> shares) => shares.Select(s => s with { Value = (byte[])s.Value.Clone() }).ToList();
    }

    void Expected(int c, string kind, IReadOnlyList<RevealedShare> shares, IEnumerable<int> owners)
    {
        var expected = owners.ToHashSet();
        var seen = new HashSet<int>();
        foreach (var s in shares)
        {
            if (!expected.Contains(s.Owner)) throw Refuse($"client {c} reveals a {kind} share of {s.Owner}, which it was not asked for");
            if (!seen.Add(s.Owner)) throw Refuse($"client {c} reveals two {kind} shares of {s.Owner}");
            if (ShamirSharing.Decode(s.Value) is null) throw Refuse($"client {c}'s {kind} share of {s.Owner} is not a 66-byte field element");
        }
        if (seen.Count != expected.Count) throw Refuse($"client {c} reveals {seen.Count} {kind} shares; it was asked for {expected.Count}");
    }

    /// <summary>
    /// Ends the round: rebuilds each survivor's self-mask seed and each dropped client's mask key from the revealed
    /// shares, checks them against the seed commitment and the advertised public key, and takes the masks out.
    /// </summary>
    public SecAggResult CloseUnmask()
    {
        Closing(SecAggStage.Unmask);
        var survivors = _survivors.ToArray();
        var dropped = _dropped.ToArray();
        var seeds = RebuildAll(survivors, "seed", r => r.SeedShares);
        var scalars = RebuildAll(dropped, "mask-key", r => r.ScalarShares);
        if (seeds.Concat(scalars).FirstOrDefault(r => r.Why is not null).Why is { } why) Fail(why);
        var terms = new List<MaskTerm>();
        for (int s = 0; s < survivors.Length; s++)
        {
            int i = survivors[s];
            var seed = seeds[s].Secret!;
            if (!SHA256.HashData(seed).AsSpan().SequenceEqual(_shared[i].SeedCommitment))
                Fail($"client {i}'s rebuilt self-mask seed does not match its commitment: it or a neighbour sent inconsistent shares");
            terms.Add(new MaskTerm(_kdf.Derive(seed, SecAggKeyDerivation.SelfMask), Subtract: true));
        }
        for (int s = 0; s < dropped.Length; s++)
        {
            int i = dropped[s];
            var scalar = scalars[s].Secret!;
            if (!P256Keys.IsScalar(scalar)) Fail($"client {i}'s rebuilt mask key is not a P-256 scalar: it or a neighbour sent inconsistent shares");
            using var key = P256Keys.FromScalar(scalar);
            if (!P256Keys.PublicKey(key).AsSpan().SequenceEqual(_advertised[i].Message.MaskKey))
                Fail($"client {i}'s rebuilt mask key does not match its advertised public key: it or a neighbour sent inconsistent shares");
            // A survivor j added PRG(s_ij) when j < i and subtracted it when j > i: undo that.
            foreach (int j in _partners[i].Where(_survivors.Contains))
                terms.Add(new MaskTerm(_kdf.Derive(P256Keys.Agree(key, _advertised[j].MaskKey), SecAggKeyDerivation.PairwiseMask), Subtract: j < i));
        }
        MaskExpansion.Apply(_sum!, terms);
        MaskExpansion.Reduce(_sum, _p.Bits);
        Stage = SecAggStage.Done;
        return new SecAggResult(_sum!, _survivors.ToList());
    }

    /// <summary>The secrets <paramref name="owners"/> shared, from their holders' revealed shares (all on one polynomial), or why not.</summary>
    (byte[]? Secret, string? Why)[] RebuildAll(int[] owners, string kind, Func<UnmaskShares, IReadOnlyList<RevealedShare>> pick)
    {
        var results = new (byte[]? Secret, string? Why)[owners.Length];
        var sets = new List<IReadOnlyList<ShamirShare>>();
        var at = new List<int>();
        for (int o = 0; o < owners.Length; o++)
        {
            int owner = owners[o];
            var shares = new List<ShamirShare>();
            foreach (int holder in _partners[owner])
                if (_revealed.TryGetValue(holder, out var r) && pick(r).FirstOrDefault(s => s.Owner == owner) is { } s)
                    shares.Add(new ShamirShare(holder, ShamirSharing.Decode(s.Value)!.Value));
            if (shares.Count < _p.Threshold)
                results[o] = (null, $"only {shares.Count} {kind} shares of client {owner} came back; rebuilding it needs t = {_p.Threshold}; re-run the round");
            else
            {
                sets.Add(shares);
                at.Add(o);
            }
        }
        // The server's heaviest arithmetic (n·k shares in a 521-bit field): every owner at once, one modular inverse in all.
        var secrets = ShamirSharing.ReconstructAll(sets, _p.Threshold);
        for (int i = 0; i < sets.Count; i++)
            results[at[i]] = secrets[i] is { } secret ? (secret, null)
                : (null, $"the {kind} shares of client {owners[at[i]]} are inconsistent (not on one polynomial, or not rebuilding a 32-byte secret): it or a neighbour equivocated");
        return results;
    }

    void In(SecAggStage stage, object? message)
    {
        if (message is null) throw Refuse("no message");
        if (Stage == SecAggStage.Failed) throw Refuse($"the round has failed: {FailureReason}");
        if (Stage != stage) throw Refuse($"a {message.GetType().Name} message belongs to stage {stage}; the round is at {Stage}");
    }

    void Closing(SecAggStage stage)
    {
        if (Stage == SecAggStage.Failed) throw new SecAggAbortedException(FailureReason!);
        if (Stage != stage) throw Refuse($"cannot close stage {stage}: the round is at {Stage}");
    }

    SecAggAbortedException Fail(string reason)
    {
        Stage = SecAggStage.Failed;
        FailureReason = reason;
        throw new SecAggAbortedException(reason);
    }

    static SecAggProtocolException Refuse(string why) => new(why);
}
