using System.Net.Http.Json;
using Tessera.Coordinator.Api;
using Tessera.Protocol.Wire;

namespace Tessera.Browser.Tests;

/// <summary>A browser tab encodes its update in the job's codec (int8 or top-k) and the coordinator accepts it.</summary>
[Collection("browser")]
public sealed class CompressedUploadTests
{
    /// <summary>2NN parameters; a dense F32 update is 4 bytes each.</summary>
    const long ModelFloats = 199_210;

    [Theory]
    [InlineData("{ codec: int8, block_size: 4096 }", 0.30)]
    [InlineData("{ codec: topk, fraction: 0.01 }", 0.03)]
    public async Task A_tabs_compressed_uploads_are_accepted_and_cost_their_share_of_F32(string upload, double maxShareOfF32)
    {
        await using var c = await TestCoordinator.Start();
        var job = await c.CreateJob($"""
            name: browser-compressed
            model: 2nn
            rounds: 2
            clients_per_round: 1
            data: {"{"} clients: 1, train_samples: 2000 {"}"}
            local: {"{"} epochs: 1, batch_size: 20, lr: 0.05 {"}"}
            upload: {upload}
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
