using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Browser.Tests;

/// <summary>
/// The browser's secure aggregation (web/src/secagg/, loaded in Chromium as /assets/secagg.js) against the .NET
/// implementation (src/Tessera.Federation/Privacy/SecureAggregation/) on fixed keys, seeds, nonces and random
/// streams: the same bytes out of the PRG, HKDF, ECDH, the share cipher and Shamir sharing, and a SecAgg+ round of
/// .NET and browser clients whose masks cancel.
/// </summary>
[Collection("browser")]
public sealed class BrowserSecAggConformanceTests
{
    static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);
    static string B64(byte[] b) => Convert.ToBase64String(b);
    static string B64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A RandomBytes that hands out <paramref name="bytes"/> in order (the browser side reads the same stream).</summary>
    static RandomBytes Stream(byte[] bytes)
    {
        int at = 0;
        return into =>
        {
            bytes.AsSpan(at, into.Length).CopyTo(into);
            at += into.Length;
        };
    }

    static string Jwk(ECDiffieHellman key)
    {
        var p = key.ExportParameters(includePrivateParameters: true);
        return JsonSerializer.Serialize(new { kty = "EC", crv = "P-256", d = B64Url(p.D!), x = B64Url(p.Q.X!), y = B64Url(p.Q.Y!), ext = true });
    }

    /// <summary>Runs a JavaScript function body in the page with the secagg module as `m` and helpers; returns what it returns.</summary>
    static JsonElement Run(BrowserDriver browser, string body) => browser.Eval("p", $$"""
        (async () => {
          const m = await import('/assets/secagg.js');
          const hex = b => Array.from(b, v => v.toString(16).padStart(2, '0')).join('');
          const unhex = h => Uint8Array.from(h.match(/../g) ?? [], v => parseInt(v, 16));
          const stream = b => { let at = 0; return into => { into.set(b.subarray(at, at + into.length)); at += into.length; }; };
          window.sa = window.sa ?? {};
          {{body}}
        })()
        """);

    [Fact]
    public async Task The_browser_PRG_HKDF_ECDH_share_cipher_Shamir_and_update_format_give_the_dotnet_bytes()
    {
        await using var c = await TestCoordinator.Start();
        using var browser = BrowserDriver.Start(("p", $"{c.Url}/worker?autostart=0"));

        // PRG known answer (docs/PRIVACY.md): the all-zero AES key.
        var kat = Run(browser, "return Array.from(await m.prg.keystream(new Uint8Array(32), 4));");
        Assert.Equal([0x78c095dcu, 0x898940a2u, 0x14a248adu, 0x87208492u], kat.EnumerateArray().Select(e => e.GetUInt32()).ToArray());

        // HKDF for each label, then 37 keystream words (a partial last block) of each derived key.
        var ikm = Enumerable.Range(0, 32).Select(i => (byte)(7 * i + 1)).ToArray();
        var kdf = new SecAggKeyDerivation("job-ü 1", 3);
        string[] labels = [SecAggKeyDerivation.ShareEncryption, SecAggKeyDerivation.PairwiseMask, SecAggKeyDerivation.SelfMask];
        var web = Run(browser, $$"""
            const kdf = new m.kdf.SecAggKeyDerivation('job-ü 1', 3), out = {};
            for (const label of {{JsonSerializer.Serialize(labels)}}) {
              const key = await kdf.derive(unhex('{{Hex(ikm)}}'), label);
              out[label] = { key: hex(key), words: Array.from(await m.prg.keystream(key, 37)) };
            }
            return { salt: hex(kdf.salt), out };
            """);
        Assert.Equal(Hex(kdf.Salt), web.GetProperty("salt").GetString());
        foreach (var label in labels)
        {
            var derived = kdf.Derive(ikm, label);
            Assert.Equal(Hex(derived), web.GetProperty("out").GetProperty(label).GetProperty("key").GetString());
            Assert.Equal(MaskExpansion.Keystream(derived, 37), web.GetProperty("out").GetProperty(label).GetProperty("words").EnumerateArray().Select(e => e.GetUInt32()).ToArray());
        }

        // ECDH on fixed keys: public key bytes, the JWK's scalar and the agreed secret (both ways).
        var random = SecAggRandom.Seeded(2024);
        var da = P256Keys.NewScalar(random);
        var db = P256Keys.NewScalar(random);
        using var a = P256Keys.FromScalar(da);
        using var b = P256Keys.FromScalar(db);
        var secret = P256Keys.Agree(a, b);
        web = Run(browser, $$"""
            const a = await m.p256.importPrivateJwk({{Jwk(a)}}), b = await m.p256.importPrivateJwk({{Jwk(b)}});
            const bPub = await m.p256.importPublic(m.bytes.fromBase64('{{B64(P256Keys.PublicKey(b))}}'));
            const aPub = await m.p256.importPublic(m.bytes.fromBase64('{{B64(P256Keys.PublicKey(a))}}'));
            const offCurve = m.bytes.fromBase64('{{B64(P256Keys.PublicKey(b))}}'); offCurve[64] ^= 1;
            return {
              ab: hex(await m.p256.agree(a, bPub)), ba: hex(await m.p256.agree(b, aPub)), d: hex(await m.p256.privateScalar(a)),
              offCurve: (await m.p256.importPublic(offCurve)) === null,
            };
            """);
        Assert.Equal(Hex(secret), web.GetProperty("ab").GetString());
        Assert.Equal(Hex(secret), web.GetProperty("ba").GetString());
        Assert.Equal(Hex(da), web.GetProperty("d").GetString());
        Assert.True(web.GetProperty("offCurve").GetBoolean(), "a point off the curve was imported");

        // The share cipher: the same key, shares and nonce seal to the same 168 bytes; each opens the other's.
        var key = kdf.Derive(secret, SecAggKeyDerivation.ShareEncryption);
        var shares = new HeldShares(ShamirSharing.Prime - 12345, BigInteger.Parse("98765432109876543210987654321"));
        var nonce = Enumerable.Range(0, 12).Select(i => (byte)(200 + i)).ToArray();
        var sealedNet = ShareCipher.Seal(key, 3, 2, 5, shares, Stream(nonce));
        web = Run(browser, $$"""
            const key = unhex('{{Hex(key)}}'), shares = { scalar: {{shares.Scalar}}n, seed: {{shares.Seed}}n };
            const sealed = await m.cipher.seal(key, 3, 2, 5, shares, stream(unhex('{{Hex(nonce)}}')));
            const theirs = m.bytes.fromBase64('{{B64(sealedNet)}}');
            const opened = await m.cipher.open(key, 3, 2, 5, theirs);
            const altered = theirs.slice(); altered[40] ^= 1;
            return {
              sealed: hex(sealed), scalar: opened?.scalar.toString(), seed: opened?.seed.toString(),
              otherRound: (await m.cipher.open(key, 4, 2, 5, theirs)) === null, swapped: (await m.cipher.open(key, 3, 5, 2, theirs)) === null,
              altered: (await m.cipher.open(key, 3, 2, 5, altered)) === null,
            };
            """);
        Assert.Equal(Hex(sealedNet), web.GetProperty("sealed").GetString());
        Assert.Equal(shares.Scalar.ToString(), web.GetProperty("scalar").GetString());
        Assert.Equal(shares.Seed.ToString(), web.GetProperty("seed").GetString());
        Assert.True(web.GetProperty("otherRound").GetBoolean() && web.GetProperty("swapped").GetBoolean() && web.GetProperty("altered").GetBoolean(),
            "a ciphertext opened under another round, another direction, or altered");

        // Shamir: the same secret and random stream give the same shares (t = 3 over holders 2, 3, 5, 7, 11), the
        // 66-byte encoding of each is the same, and any t of the browser's shares rebuild the secret in .NET.
        var streamBytes = new byte[4096];
        new Random(99).NextBytes(streamBytes);
        var secretBytes = Enumerable.Range(0, 32).Select(i => (byte)(255 - 3 * i)).ToArray();
        int[] holders = [2, 3, 5, 7, 11];
        var net = ShamirSharing.Split(secretBytes, 3, holders, Stream(streamBytes));
        web = Run(browser, $$"""
            const shares = m.shamir.split(unhex('{{Hex(secretBytes)}}'), 3, {{JsonSerializer.Serialize(holders)}}, stream(unhex('{{Hex(streamBytes)}}')));
            return shares.map(s => ({ x: s.x, y: hex(m.shamir.encode(s.y)) }));
            """);
        var webShares = web.EnumerateArray().Select(e => (X: e.GetProperty("x").GetInt32(), Y: e.GetProperty("y").GetString()!)).ToList();
        Assert.Equal(net.Select(s => (s.X, Hex(ShamirSharing.Encode(s.Y)))), webShares);
        var rebuilt = ShamirSharing.Reconstruct(webShares.Skip(2).Select(s => new ShamirShare(s.X, ShamirSharing.Decode(Convert.FromHexString(s.Y))!.Value)).ToList(), 3);
        Assert.Equal(Hex(secretBytes), Hex(rebuilt));

        // The update format: clip, weight lane, within-bound lane and quantization agree up to the stochastic rounding (±1 level).
        var task = new SecureAggregationTask
        {
            Parameters = SecAggPlan.Create("job-1", 1, 4, SecureUpdateFormat.LengthFor(6), SecureQuantizer.BitsFor(16, 4)), Client = 1, StageUrl = "",
            Clip = 2, Range = 2, QuantizationBits = 16, WeightCap = 600,
        };
        float[] update = [3f, -4f, 0.5f, 0f, 1e-3f, -2f]; // norm > 2: clipped
        var netWords = new SecureUpdateFormat(update.Length, task).Encode(update, 450, 5, new Random(1), new Tessera.Data.DeterministicRandom(1));
        // FedNova: 8 reference steps over 32 local ones scale the update by 1/4 before the clip (norm 0.1 · 4 < 2 → 0.1).
        var nova = task with { ReferenceSteps = 8 };
        float[] small = [0.4f, 0.2f, -0.2f, 0f, 0f, 0f];
        var netNova = new SecureUpdateFormat(small.Length, nova).Encode(small, 600, 32, new Random(1), new Tessera.Data.DeterministicRandom(1));
        web = Run(browser, $$"""
            const task = {{JsonSerializer.Serialize(task, WireJson.Options)}};
            const words = m.format.encodeUpdate([new Float32Array([3, -4, 0.5]), new Float32Array([0, 1e-3, -2])], 450, 5, task);
            const within = m.format.encodeUpdate([new Float32Array([0.1, 0.2, 0.3, 0, 0, 0])], 600, 5, { ...task, weight_cap: 0 });
            const nova = m.format.encodeUpdate([new Float32Array([0.4, 0.2, -0.2, 0, 0, 0])], 600, 32, {{JsonSerializer.Serialize(nova, WireJson.Options)}});
            return { words: Array.from(words), within: Array.from(within.slice(6)), nova: Array.from(nova) };
            """);
        var webNova = web.GetProperty("nova").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        var plainQuarter = new SecureUpdateFormat(small.Length, task).Encode(small.Select(v => v / 4).ToArray(), 600, 32, new Random(1), new Tessera.Data.DeterministicRandom(1));
        for (int i = 0; i < small.Length; i++)
        {
            Assert.True(Math.Abs((long)netNova[i] - webNova[i]) <= 1, $"nova word {i}: .NET {netNova[i]}, browser {webNova[i]}");
            Assert.True(Math.Abs((long)netNova[i] - plainQuarter[i]) <= 1, $"nova word {i} is not the quarter update: {netNova[i]} vs {plainQuarter[i]}");
        }
        Assert.Equal(netNova[^2..], webNova[^2..]);
        var webWords = web.GetProperty("words").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        Assert.Equal(netWords.Length, webWords.Length);
        Assert.Equal(netWords[^2..], webWords[^2..]); // weight 450/600 in 1/65535ths, and "clipped"
        Assert.Equal([49151u, 0u], webWords[^2..]);
        for (int i = 0; i < update.Length; i++) Assert.True(Math.Abs((long)netWords[i] - webWords[i]) <= 1, $"word {i}: .NET {netWords[i]}, browser {webWords[i]}");
        Assert.Equal([65535u, 1u], web.GetProperty("within").EnumerateArray().Select(e => e.GetUInt32()).ToArray());

        // SCAFFOLD: Δc_i follows the update as Δc_i · control_scale clipped to C, and both sides bound it alike
        // (‖[8, −6, 0, 0, 0, 0]‖ · 0.5 = 5 > 2: clipped to 2, so Δc_i becomes [3.2, −2.4, 0, ...]).
        var sc = task with { Parameters = task.Parameters with { Length = SecureUpdateFormat.LengthFor(6, controls: true) }, ControlScale = 0.5, WeightCap = 0 };
        float[] dc = [8f, -6f, 0f, 0f, 0f, 0f];
        var scFormat = new SecureUpdateFormat(small.Length, sc);
        var netSc = scFormat.Encode(small, 600, 32, new Random(1), new Tessera.Data.DeterministicRandom(1), dc);
        Assert.Equal([3.2f, -2.4f, 0f, 0f, 0f, 0f], scFormat.BoundedControl(dc).Select(v => MathF.Round(v, 5)));
        web = Run(browser, $$"""
            const task = {{JsonSerializer.Serialize(sc, WireJson.Options)}};
            const dc = new Float32Array([8, -6, 0, 0, 0, 0]);
            const words = m.format.encodeUpdate([new Float32Array([0.4, 0.2, -0.2, 0, 0, 0])], 600, 32, task, undefined, undefined, dc);
            let refused = false;
            try { m.format.encodeUpdate([new Float32Array([0.4, 0.2, -0.2, 0, 0, 0])], 600, 32, task); } catch { refused = true; }
            return { words: Array.from(words), bounded: Array.from(m.format.boundedControl(dc, task)), refused };
            """);
        var webSc = web.GetProperty("words").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        Assert.Equal(netSc.Length, webSc.Length);
        Assert.Equal(14, webSc.Length);
        for (int i = 0; i < netSc.Length - 2; i++) Assert.True(Math.Abs((long)netSc[i] - webSc[i]) <= 1, $"scaffold word {i}: .NET {netSc[i]}, browser {webSc[i]}");
        Assert.Equal(netSc[^2..], webSc[^2..]);
        Assert.Equal(scFormat.BoundedControl(dc), web.GetProperty("bounded").EnumerateArray().Select(e => e.GetSingle()).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.True(web.GetProperty("refused").GetBoolean(), "the browser masked a scaffold round's update without its control delta");

        // Distributed DP: each side adds a Skellam share of the task's variance (levels²) to every quantized word,
        // mod 2^b, and leaves the within-bound lane 0 (that count would otherwise leave unnoised). Their words less
        // the noiseless ones, read centred mod 2^b, have mean 0 and that variance (plus ½ from the midpoint's rounding).
        const int D = 20_000;
        const double Variance = 4e6;
        var noised = task with { WeightCap = 0, NoiseVariance = Variance, Parameters = SecAggPlan.Create("job-1", 1, 4, SecureUpdateFormat.LengthFor(D), 24) };
        web = Run(browser, $$"""
            const task = {{JsonSerializer.Serialize(noised, WireJson.Options)}};
            const zero = new Float32Array({{D}});
            const plain = m.format.encodeUpdate([zero], 600, 5, { ...task, noise_variance: 0 });
            const words = m.format.encodeUpdate([zero], 600, 5, task);
            let small = 0;
            for (let i = 0; i < 20000; i++) small += m.skellam.poisson(4, Math.random);
            return { plain: Array.from(plain), words: Array.from(words), small: small / 20000 };
            """);
        var netPlain = new SecureUpdateFormat(D, noised with { NoiseVariance = 0 }).Encode(new float[D], 600, 5, new Random(2), new Tessera.Data.DeterministicRandom(2));
        var netNoised = new SecureUpdateFormat(D, noised).Encode(new float[D], 600, 5, new Random(3), new Tessera.Data.DeterministicRandom(3));
        var browserPlain = web.GetProperty("plain").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        var browserNoised = web.GetProperty("words").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        foreach (var (side, plainWords, noisedWords) in new[] { (".NET", netPlain, netNoised), ("browser", browserPlain, browserNoised) })
        {
            var noise = Enumerable.Range(0, D).Select(i =>
            {
                long diff = ((long)noisedWords[i] - plainWords[i]) & ((1L << 24) - 1);
                return (double)(diff >= 1L << 23 ? diff - (1L << 24) : diff);
            }).ToArray();
            double mean = noise.Average(), variance = noise.Average(x => x * x) - mean * mean;
            Assert.True(Math.Abs(mean) < 5 * Math.Sqrt(Variance / D), $"{side}: noise mean {mean}");
            Assert.True(Math.Abs(variance / Variance - 1) < 0.05, $"{side}: noise variance {variance}, asked {Variance}");
            Assert.Equal([65535u, 0u], noisedWords[^2..]);
            Assert.Equal([65535u, 1u], plainWords[^2..]);
        }
        Assert.InRange(web.GetProperty("small").GetDouble(), 4 - 5 * Math.Sqrt(4 / 20000.0), 4 + 5 * Math.Sqrt(4 / 20000.0));
    }

    [Fact]
    public async Task Two_dotnet_and_two_browser_clients_run_a_SecAgg_round_whose_masks_cancel_and_a_browser_dropout_is_unmasked()
    {
        await using var c = await TestCoordinator.Start();
        using var browser = BrowserDriver.Start(("p", $"{c.Url}/worker?autostart=0"));
        const int Length = 70;
        var p = SecAggPlan.Create("mixed-job", 2, 4, Length, 20); // k = 3 (complete), t = 2
        var server = new SecAggServer(p);
        var net = new Dictionary<int, SecAggClient> { [1] = new(p, 1), [3] = new(p, 3) };
        int[] webClients = [2, 4];
        string Json<T>(T value) => JsonSerializer.Serialize(value, WireJson.Options);
        T From<T>(JsonElement e) => JsonSerializer.Deserialize<T>(e.GetRawText(), WireJson.Options)!;

        Run(browser, $"const p = {Json(p)}; for (const i of [2, 4]) window.sa[i] = await m.SecAggClient.create(p, i); return null;");
        foreach (var (_, client) in net) server.Accept(client.AdvertiseKeys());
        foreach (int i in webClients) server.Accept(From<AdvertisedKeys>(Run(browser, $"return await window.sa[{i}].advertiseKeys();")));
        var neighbours = server.CloseAdvertiseKeys().ToDictionary(n => n.Client);

        foreach (var (i, client) in net) server.Accept(client.ShareKeys(neighbours[i]));
        foreach (int i in webClients) server.Accept(From<SharedKeys>(Run(browser, $"return await window.sa[{i}].shareKeys({Json(neighbours[i])});")));
        var addressed = server.CloseShareKeys().ToDictionary(a => a.Client);

        // The browser refuses what it must: a payload for another client, and a stage out of order.
        var refusals = Run(browser, $$"""
            const why = async f => { try { await f(); return 'accepted'; } catch (e) { return e instanceof m.SecAggRefusal ? 'refused' : String(e); } };
            return [await why(() => window.sa[2].maskInput({{Json(addressed[4])}}, new Uint32Array({{Length}}))), await why(() => window.sa[2].unmask({ client: 2, survivors: [1, 2, 3], dropped: [] }))];
            """);
        Assert.Equal(["refused", "refused"], refusals.EnumerateArray().Select(e => e.GetString()));

        // Inputs below 2^16; browser client 4 drops after sharing keys, so its pairwise masks must be rebuilt from its shared scalar.
        var random = new Random(5);
        var inputs = Enumerable.Range(1, 4).ToDictionary(i => i, _ => Enumerable.Range(0, Length).Select(_ => (uint)random.Next(1 << 16)).ToArray());
        foreach (var (i, client) in net) server.Accept(client.MaskInput(addressed[i], inputs[i]));
        var masked = From<MaskedInput>(Run(browser, $"return await window.sa[2].maskInput({Json(addressed[2])}, Uint32Array.from({Json(inputs[2])}));"));
        var words = SecAggWords.Decode(masked.Words);
        Assert.NotEqual(inputs[2], words); // masked
        server.Accept(masked);
        var requests = server.CloseMaskedInput().ToDictionary(r => r.Client);
        Assert.Equal([1, 2, 3], requests[2].Survivors.Order());
        Assert.Equal([4], requests[2].Dropped);

        // Asked for both shares of one neighbour, or with fewer than t survivors, the browser reveals nothing; then it answers the real request.
        refusals = Run(browser, """
            const why = async f => { try { await f(); return 'accepted'; } catch (e) { return e instanceof m.SecAggRefusal ? 'refused' : String(e); } };
            return [await why(() => window.sa[2].unmask({ client: 2, survivors: [1, 2, 3], dropped: [3] })), await why(() => window.sa[2].unmask({ client: 2, survivors: [2], dropped: [1, 3] }))];
            """);
        Assert.Equal(["refused", "refused"], refusals.EnumerateArray().Select(e => e.GetString()));
        foreach (var (i, client) in net) server.Accept(client.Unmask(requests[i]));
        server.Accept(From<UnmaskShares>(Run(browser, $"return await window.sa[2].unmask({Json(requests[2])});")));
        var result = server.CloseUnmask();

        Assert.Equal([1, 2, 3], result.Survivors.Order());
        var expected = Enumerable.Range(0, Length).Select(w => (inputs[1][w] + inputs[2][w] + inputs[3][w]) & ((1u << 20) - 1)).ToArray();
        Assert.Equal(expected, result.Sum);
    }
}
