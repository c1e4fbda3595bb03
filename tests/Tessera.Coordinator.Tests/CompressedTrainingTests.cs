using System.Net.Http.Json;
using Tessera.Coordinator.Api;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A real coordinator process and three .NET workers train the 2NN with compressed uploads: the job's codec
/// reaches the workers through their tasks, the coordinator decodes and folds, the model still learns, and the
/// coordinator's own byte counter shows each update costing the expected share of a dense F32 one.
/// </summary>
[Collection("coordinator")]
public sealed class CompressedTrainingTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    /// <summary>2NN parameters (784·200 + 200 + 200·200 + 200 + 200·10 + 10); a dense F32 update is 4 bytes each.</summary>
    const long ModelFloats = 199_210;

    [Theory]
    [InlineData("{ codec: fp16 }", 0.95, 0.53)] // half the bytes, plus the envelope (loss trace, checkpoints)
    [InlineData("{ codec: bf16 }", 0.95, 0.53)]
    [InlineData("{ codec: int8 }", 0.95, 0.30)]
    [InlineData("{ codec: int8, bits: 4, compression: gzip }", 0.95, 0.10)]   // codes in ±7, gzipped: about a twentieth
    [InlineData("{ codec: topk, fraction: 0.05 }", 0.90, 0.12)]
    public async Task Three_workers_train_the_2NN_with_compressed_updates(string upload, double accuracy, double maxShareOfF32)
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob($"""
            name: e2e-compressed
            model: 2nn
            rounds: 25
            clients_per_round: 3
            target_accuracy: {accuracy}
            data: {"{"} clients: 3, train_samples: 30000 {"}"}
            local: {"{"} epochs: 2, batch_size: 20, lr: 0.05, momentum: 0.5 {"}"}
            upload: {upload}
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 480);
        Assert.Equal("completed", done.Status);
        Assert.True(done.LastAccuracy >= accuracy, $"final test accuracy {done.LastAccuracy:P2} < {accuracy:P0}");

        using var http = new HttpClient { BaseAddress = new Uri(coordinator.Url) };
        var overview = (await http.GetFromJsonAsync<Overview>("/api/v1/overview", WireJson.Options))!;
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(rounds.Sum(r => r.Updates), overview.UpdatesAccepted);
        Assert.Equal(0, overview.UpdatesRejected);
        double perUpdate = (double)overview.BytesIn / overview.UpdatesAccepted;
        double share = perUpdate / (ModelFloats * 4);
        Assert.True(share <= maxShareOfF32, $"{perUpdate:N0} bytes per update is {share:P1} of dense F32, expected at most {maxShareOfF32:P0}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
