using System.Security.Cryptography;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>
/// One client's side of one SecAgg+ round (Bell et al. 2020), as a state machine driven by the server's payloads:
/// advertise keys → share keys → masked input → unmask, each once and in order. Pure given its
/// <see cref="RandomBytes"/>: no I/O, no clock. A payload it must not act on is refused with a
/// <see cref="SecAggProtocolException"/> and the client stays where it was.
/// </summary>
public sealed class SecAggClient
{
    enum Step { Advertise, ShareKeys, MaskInput, Unmask, Done }

    readonly SecAggParameters _p;
    readonly SecAggKeyDerivation _kdf;
    readonly RandomBytes _random;
    readonly ECDiffieHellman _encryptionKey;
    readonly byte[] _maskScalar;
    readonly ECDiffieHellman _maskKey;
    Step _step;
    // After share keys: the neighbours as the server named them, and their mask keys.
    Dictionary<int, ECDiffieHellman>? _neighbourMaskKeys;
    Dictionary<int, ECDiffieHellman>? _neighbourEncryptionKeys;
    // After masked input: the neighbours that shared keys, and the shares each sent this client.
    Dictionary<int, HeldShares>? _held;
    byte[]? _seed;

    public SecAggClient(SecAggParameters parameters, int index, RandomBytes? random = null)
    {
        SecAggPlan.Validate(parameters);
        if (index < 1 || index > parameters.Clients) throw new ArgumentOutOfRangeException(nameof(index), $"client index must be in 1..{parameters.Clients}");
        _p = parameters;
        Index = index;
        _random = random ?? SecAggRandom.System;
        _kdf = new SecAggKeyDerivation(parameters.JobId, parameters.Round);
        _encryptionKey = P256Keys.FromScalar(P256Keys.NewScalar(_random));
        _maskScalar = P256Keys.NewScalar(_random);
        _maskKey = P256Keys.FromScalar(_maskScalar);
    }

    public int Index { get; }

    /// <summary>Stage 1: the two public keys, fresh for this round.</summary>
    public AdvertisedKeys AdvertiseKeys()
    {
        Expect(Step.Advertise, "advertise keys");
        _step = Step.ShareKeys;
        return new AdvertisedKeys(Index, P256Keys.PublicKey(_encryptionKey), P256Keys.PublicKey(_maskKey));
    }

    /// <summary>
    /// Stage 2: Shamir-shares the mask-key scalar and a fresh self-mask seed among the neighbours (threshold t, x =
    /// each neighbour's index) and seals each neighbour's pair of shares for it alone.
    /// </summary>
    public SharedKeys ShareKeys(NeighbourKeys message)
    {
        Expect(Step.ShareKeys, "share keys");
        ArgumentNullException.ThrowIfNull(message);
        Addressed(message.Client);
        if (message.Neighbours is not { } list || list.Any(n => n is null)) throw Refuse("the neighbour list is missing");
        if (list.Count < _p.Threshold)
            throw Refuse($"{list.Count} neighbours cannot hold shares of threshold {_p.Threshold}");
        var encryption = new Dictionary<int, ECDiffieHellman>();
        var mask = new Dictionary<int, ECDiffieHellman>();
        foreach (var n in list)
        {
            if (n.Client < 1 || n.Client > _p.Clients || n.Client == Index) throw Refuse($"neighbour {n.Client} is not another client of this round");
            if (encryption.ContainsKey(n.Client)) throw Refuse($"neighbour {n.Client} is listed twice");
            encryption[n.Client] = P256Keys.ImportPublic(n.EncryptionKey) ?? throw Refuse($"neighbour {n.Client}'s encryption key is not a P-256 point");
            mask[n.Client] = P256Keys.ImportPublic(n.MaskKey) ?? throw Refuse($"neighbour {n.Client}'s mask key is not a P-256 point");
        }
        var holders = encryption.Keys.Order().ToList();
        _seed = new byte[ShamirSharing.SecretBytes];
        _random(_seed);
        var scalarShares = ShamirSharing.Split(_maskScalar, _p.Threshold, holders, _random);
        var seedShares = ShamirSharing.Split(_seed, _p.Threshold, holders, _random);
        var sealedShares = new EncryptedShare[holders.Count];
        for (int h = 0; h < holders.Count; h++)
        {
            var key = _kdf.Derive(P256Keys.Agree(_encryptionKey, encryption[holders[h]]), SecAggKeyDerivation.ShareEncryption);
            sealedShares[h] = new EncryptedShare(Index, holders[h],
                ShareCipher.Seal(key, _p.Round, Index, holders[h], new HeldShares(scalarShares[h].Y, seedShares[h].Y), _random));
        }
        _neighbourEncryptionKeys = encryption;
        _neighbourMaskKeys = mask;
        _step = Step.MaskInput;
        return new SharedKeys(Index, SHA256.HashData(_seed), sealedShares);
    }

    /// <summary>
    /// Stage 3: opens the shares the neighbours that shared keys sent, then masks <paramref name="input"/> (words
    /// below 2^b): y = x + PRG(seed) + Σ_{j > i} PRG(s_ij) − Σ_{j &lt; i} PRG(s_ij) mod 2^b over those neighbours.
    /// </summary>
    public MaskedInput MaskInput(AddressedShares message, ReadOnlySpan<uint> input)
    {
        Expect(Step.MaskInput, "mask its input");
        ArgumentNullException.ThrowIfNull(message);
        if (input.Length != _p.Length) throw new ArgumentException($"the input has {input.Length} words; the round sums {_p.Length}", nameof(input));
        uint largest = SecureQuantizer.Mask(_p.Bits);
        for (int i = 0; i < input.Length; i++)
            if (input[i] > largest) throw new ArgumentException($"input word {i} = {input[i]} is not below 2^{_p.Bits}", nameof(input));
        Addressed(message.Client);
        if (message.Shares is not { } shares || shares.Any(s => s is null)) throw Refuse("the share list is missing");
        var held = new Dictionary<int, HeldShares>();
        foreach (var s in shares)
        {
            if (s.Recipient != Index) throw Refuse($"a share from {s.Sender} is addressed to {s.Recipient}");
            if (!_neighbourEncryptionKeys!.TryGetValue(s.Sender, out var theirs)) throw Refuse($"client {s.Sender} is not a neighbour");
            if (held.ContainsKey(s.Sender)) throw Refuse($"two shares from client {s.Sender}");
            var key = _kdf.Derive(P256Keys.Agree(_encryptionKey, theirs), SecAggKeyDerivation.ShareEncryption);
            held[s.Sender] = ShareCipher.Open(key, _p.Round, s.Sender, Index, s.Ciphertext)
                ?? throw Refuse($"the share from client {s.Sender} does not open (altered, or not sealed for this client and round)");
        }
        // Neighbours whose shares did not come did not share keys: the server leaves them out of every mask too.
        if (held.Count < _p.Threshold)
            throw Refuse($"only {held.Count} neighbours shared keys; this client's secrets need {_p.Threshold} holders");
        var words = input.ToArray();
        var terms = new List<MaskTerm>(held.Count + 1) { new(_kdf.Derive(_seed, SecAggKeyDerivation.SelfMask), Subtract: false) };
        foreach (int j in held.Keys.Order())
            terms.Add(new MaskTerm(_kdf.Derive(P256Keys.Agree(_maskKey, _neighbourMaskKeys![j]), SecAggKeyDerivation.PairwiseMask), Subtract: j < Index));
        MaskExpansion.Apply(words, terms);
        MaskExpansion.Reduce(words, _p.Bits);
        _held = held;
        _step = Step.Unmask;
        return new MaskedInput(Index, SecAggWords.Encode(words));
    }

    /// <summary>
    /// Stage 4: for each neighbour that shared keys, the seed share if the server lists it as a survivor or the
    /// mask-key share if it lists it as dropped. Refuses to reveal anything when the request lists a neighbour as
    /// both, lists this client as dropped, names a neighbour that did not share keys, or has fewer than t survivors.
    /// </summary>
    public UnmaskShares Unmask(UnmaskRequest message)
    {
        Expect(Step.Unmask, "reveal shares");
        ArgumentNullException.ThrowIfNull(message);
        Addressed(message.Client);
        if (message.Survivors is null || message.Dropped is null) throw Refuse("the survivor or dropped list is missing");
        var survivors = message.Survivors.ToHashSet();
        var dropped = message.Dropped.ToHashSet();
        if (survivors.Count != message.Survivors.Count || dropped.Count != message.Dropped.Count) throw Refuse("a client is listed twice");
        if (survivors.Overlaps(dropped))
            throw Refuse($"the server asks for both shares of client {survivors.Intersect(dropped).Min()}: revealing both would unmask its input");
        if (!survivors.Contains(Index)) throw Refuse("the server does not list this client among the survivors, yet it sent its masked input");
        if (survivors.Count < _p.Threshold) throw Refuse($"{survivors.Count} survivors are fewer than t = {_p.Threshold}: their sum would say too much about each");
        foreach (int c in survivors.Concat(dropped))
            if (_neighbourEncryptionKeys!.ContainsKey(c) && !_held!.ContainsKey(c)) throw Refuse($"neighbour {c} is listed but did not share keys");
        var seedShares = new List<RevealedShare>();
        var scalarShares = new List<RevealedShare>();
        foreach (var (owner, shares) in _held!.OrderBy(h => h.Key))
            if (survivors.Contains(owner)) seedShares.Add(new RevealedShare(owner, ShamirSharing.Encode(shares.Seed)));
            else if (dropped.Contains(owner)) scalarShares.Add(new RevealedShare(owner, ShamirSharing.Encode(shares.Scalar)));
        _step = Step.Done;
        return new UnmaskShares(Index, seedShares, scalarShares);
    }

    void Expect(Step step, string what)
    {
        if (_step != step) throw Refuse($"client {Index} cannot {what} now: it is at {_step}");
    }

    void Addressed(int client)
    {
        if (client != Index) throw Refuse($"the payload is for client {client}, not {Index}");
    }

    SecAggProtocolException Refuse(string why) => new($"client {Index}: {why}");
}
