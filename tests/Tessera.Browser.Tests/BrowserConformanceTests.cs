using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tessera.Data;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Browser.Tests;

/// <summary>The same task, run by the browser worker and by the .NET worker's executor, gives the same update.</summary>
[Collection("browser")]
public sealed partial class BrowserConformanceTests
{
    [Fact]
    public async Task A_task_run_in_the_browser_and_in_dotnet_gives_updates_with_cosine_at_least_0_999()
    {
        await using var c = await TestCoordinator.Start();
        // Momentum (optimizer state across the 50-step calls), 2 epochs (reshuffle under the seed) and a
        // partial last call: everything that must match for the two updates to agree.
        var job = await c.CreateJob("""
            name: browser-conformance
            model: 2nn
            rounds: 1
            clients_per_round: 1
            data: { clients: 10, train_samples: 6000 }
            local: { epochs: 2, batch_size: 10, lr: 0.05, momentum: 0.5 }
            requirements: { runtimes: [browser] }
            """);
        using var browser = BrowserDriver.Start(("browser", $"{c.Url}/worker?token={job.JoinToken}&name=conformance"));
        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed", TimeSpan.FromMinutes(5));
        Assert.Equal("completed", done.Status);

        // The round can close before the page hears back from its Web Worker: wait for the page to record the upload.
        await browser.WaitFor(s => s.GetProperty("browser").GetProperty("uploads").GetArrayLength() == 1, TimeSpan.FromSeconds(30), "the page recording its upload");
        var upload = browser.Uploads("browser").EnumerateArray().Single();
        Assert.True(upload.GetProperty("accepted").GetBoolean());
        var taskJson = SeedString().Replace(upload.GetProperty("task").GetString()!, "\"seed\":$1");
        var task = JsonSerializer.Deserialize<TaskMessage>(taskJson, WireJson.Options)!;
        var web = SafetensorsFile.Read(Convert.FromBase64String(upload.GetProperty("body").GetString()!));

        // Rerun the task exactly as `tessera worker` would: same artifact, weights, shard, seed and K.
        var artifact = Artifact.FromBytes(await c.Http.GetByteArrayAsync(task.Artifact.Url));
        var weights = await c.Http.GetByteArrayAsync(task.WeightsUrl);
        var joined = await (await c.Http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = job.JoinToken }, WireJson.Options))
            .Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options);
        using var shardRequest = new HttpRequestMessage(HttpMethod.Get, task.Data.ShardUrl);
        shardRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", joined!.SessionToken);
        var shard = ShardCodec.Decode(await (await c.Http.SendAsync(shardRequest)).EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync());
        using var executor = new TaskExecutor(RuntimeOptions.Default);
        var dotnet = SafetensorsFile.Read(executor.Run(task, joined.WorkerId, artifact, weights, shard, null).Body);

        var webEnv = UpdateEnvelope.FromMetadata(web.Metadata);
        var netEnv = UpdateEnvelope.FromMetadata(dotnet.Metadata);
        Assert.Equal(netEnv.Steps, webEnv.Steps);
        Assert.Equal(120, webEnv.Steps); // 2 epochs x 600 samples / batch 10: three calls of 50, 50 and 20 steps
        Assert.Equal(netEnv.SampleCount, webEnv.SampleCount);
        for (int i = 0; i < netEnv.Steps; i++)
            Assert.True(Math.Abs(netEnv.LossTrace[i] - webEnv.LossTrace[i]) <= 1e-3 * Math.Max(1, Math.Abs(netEnv.LossTrace[i])),
                $"step {i}: .NET loss {netEnv.LossTrace[i]} vs browser {webEnv.LossTrace[i]}");

        double dot = 0, nw = 0, nn = 0;
        foreach (var p in artifact.Manifest.Parameters)
        {
            var a = web[p.Name].ToFloatArray();
            var b = dotnet[p.Name].ToFloatArray();
            Assert.Equal(b.Length, a.Length);
            for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; nw += (double)a[i] * a[i]; nn += (double)b[i] * b[i]; }
        }
        double cosine = dot / Math.Sqrt(nw * nn);
        Assert.True(nn > 0 && cosine >= 0.999, $"cosine similarity of the browser's and .NET's updates is {cosine:F6}");
    }

    [GeneratedRegex("\"seed\":\"(\\d+)\"")]
    private static partial Regex SeedString();
}
