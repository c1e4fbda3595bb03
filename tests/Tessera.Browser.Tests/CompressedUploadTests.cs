using System.Net.Http.Json;
using Tessera.Coordinator.Api;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Browser.Tests;

/// <summary>A browser tab encodes its update in the job's codec (fp16, bf16, int8 or top-k) and the coordinator accepts it.</summary>
[Collection("browser")]
public sealed class CompressedUploadTests
{
    /// <summary>2NN parameters; a dense F32 update is 4 bytes each.</summary>
    const long ModelFloats = 199_210;

    [Fact]
    public async Task The_browser_rounds_to_fp16_and_bf16_exactly_as_dotnet_does()
    {
        // Ties, subnormals, the fp16 overflow edge, signed zero, NaN and Infinity, then random deltas of every scale.
        var r = new Random(7);
        var values = new List<float> { 0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e5f, -1e5f, 6.1035156e-5f, 5.9604645e-8f, 2.9802322e-8f,
            2.9802326e-8f, 1e-9f, 1.00146484375f, 1.00048828125f, 3.3895314e38f, float.MaxValue, float.NaN, float.PositiveInfinity, float.NegativeInfinity };
        values.AddRange(Enumerable.Range(0, 2000).Select(_ => (float)((r.NextDouble() * 2 - 1) * Math.Pow(10, r.Next(-12, 6)))));
        var input = values.Select(BitConverter.SingleToUInt32Bits).ToArray();
        var f16 = values.Select(HalfPrecision.FloatToF16Bits).ToArray();
        var bf16 = values.Select(HalfPrecision.FloatToBF16Bits).ToArray();

        await using var c = await TestCoordinator.Start();
        using var browser = BrowserDriver.Start(("p", $"{c.Url}/worker?autostart=0"));
        var result = browser.Eval("p", $$"""
            (async () => {
              const m = await import('/assets/update-codec.js');
              const x = new Float32Array(new Uint32Array({{System.Text.Json.JsonSerializer.Serialize(input)}}).buffer);
              return { f16: Array.from(m.toFloat16Bits(x)), bf16: Array.from(m.toBFloat16Bits(x)) };
            })()
            """);
        ushort[] Read(string key) => result.GetProperty(key).EnumerateArray().Select(e => (ushort)e.GetInt32()).ToArray();
        var (browserF16, browserBf16) = (Read("f16"), Read("bf16"));
        for (int i = 0; i < values.Count; i++)
        {
            Assert.True(f16[i] == browserF16[i], $"fp16 of {values[i]:R}: .NET 0x{f16[i]:x4}, browser 0x{browserF16[i]:x4}");
            Assert.True(bf16[i] == browserBf16[i], $"bf16 of {values[i]:R}: .NET 0x{bf16[i]:x4}, browser 0x{browserBf16[i]:x4}");
        }
    }

    [Theory]
    [InlineData("{ codec: fp16 }", 0.51)]
    [InlineData("{ codec: int8, block_size: 4096 }", 0.30)]
    [InlineData("{ codec: int8, bits: 4, compression: gzip }", 0.10)]
    [InlineData("{ codec: topk, fraction: 0.01 }", 0.03)]
    public async Task A_tabs_compressed_uploads_are_accepted_and_cost_their_share_of_F32(string upload, double maxShareOfF32)
    {
        await using var c = await TestCoordinator.Start();
        // Not audited: a fresh tab's first task can miss the replay tolerance (docs/TRUST.md), which would change the
        // ledger counts this test reads; audits across runtimes are BrowserVerificationTests'.
        var job = await c.CreateJob($"""
            name: browser-compressed
            model: 2nn
            rounds: 2
            clients_per_round: 1
            data: {"{"} clients: 1, train_samples: 2000 {"}"}
            local: {"{"} epochs: 1, batch_size: 20, lr: 0.05 {"}"}
            upload: {upload}
            verification: {"{"} replay: off {"}"}
            """);
        using var browser = BrowserDriver.Start(("tab", $"{c.Url}/worker?token={job.JoinToken}&name=tab"));

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed", TimeSpan.FromMinutes(4));
        Assert.True(done.Status == "completed", $"job ended {done.Status}: {done.Error}\n{browser.Errors}");
        var credited = Assert.Single(await c.Ledger(job.Id));
        Assert.Equal(("tab", 2), (credited.Name, credited.Updates));

        var overview = (await c.Http.GetFromJsonAsync<Overview>("/api/v1/overview", WireJson.Options))!;
        Assert.Equal((2L, 0L), (overview.UpdatesAccepted, overview.UpdatesRejected));
        double share = overview.BytesIn / 2.0 / (ModelFloats * 4);
        Assert.True(share <= maxShareOfF32, $"the tab's updates averaged {overview.BytesIn / 2:N0} bytes, {share:P1} of dense F32");
    }
}
