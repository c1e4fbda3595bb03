using Tessera.Protocol;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// SCAFFOLD on a real coordinator with three .NET workers on a non-IID split: accuracy rises, and the control
/// variates (c in the checkpoint, each worker's c_i in the blob folder) survive a kill -9 neither lost nor applied twice.
/// </summary>
[Collection("coordinator")]
public sealed class ScaffoldJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    [Fact]
    public async Task Three_workers_train_SCAFFOLD_on_a_non_IID_split_and_its_state_survives_SIGKILL()
    {
        int port = CoordinatorProcess.FreePort();
        var first = CoordinatorProcess.Start(_data, port);
        var admin = new AdminApi(first.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob("""
            name: e2e-scaffold
            model: 2nn
            rounds: 12
            clients_per_round: 3
            strategy: { name: scaffold }
            data: { clients: 3, partition: pathological, shards_per_client: 2, train_samples: 12000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05 }
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(first.Url, job.JoinToken, $"worker-{i}");

        // Kill while a round is collecting and at least one worker's new c_i is written but its round not committed.
        var before = await admin.WaitFor(job.Id, s => s.Version >= 2 && s.Phase == "collecting" && s.RoundUpdates is >= 1 and < 3);
        var workers = (await admin.Ledger(job.Id)).Select(l => l.WorkerId).Order().ToList();
        Assert.Equal(3, workers.Count);
        var c = await admin.Bytes($"/api/v1/controls/{job.Id}/{before.Version}");
        var ci = await Task.WhenAll(workers.Select(w => admin.Bytes($"/api/v1/controls/{job.Id}/{before.Version}/workers/{w}")));
        Assert.Contains(TestTensors.Floats(c), v => v != 0);
        first.Kill();

        using var second = CoordinatorProcess.Start(_data, port);
        Assert.Equal(c, await admin.Bytes($"/api/v1/controls/{job.Id}/{before.Version}"));
        for (int i = 0; i < workers.Count; i++)
            Assert.Equal(ci[i], await admin.Bytes($"/api/v1/controls/{job.Id}/{before.Version}/workers/{workers[i]}"));

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 480);
        Assert.Equal("completed", done.Status);
        Assert.True(done.LastAccuracy >= 0.80, $"final test accuracy {done.LastAccuracy:P2} < 80%");
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(Enumerable.Range(1, 12), rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));
        Assert.Equal(36, (await admin.Ledger(job.Id)).Sum(l => l.Updates));

        // Every round counts all N = 3 clients, so c = mean of the c_i exactly when each Δc_i was applied once:
        // a lost c_i, or one from the interrupted round applied as well as its re-run, breaks it.
        var finalC = TestTensors.Floats(await admin.Bytes($"/api/v1/controls/{job.Id}/{done.Version}"));
        var finalCi = (await Task.WhenAll(workers.Select(w => admin.Bytes($"/api/v1/controls/{job.Id}/{done.Version}/workers/{w}")))).Select(TestTensors.Floats).ToList();
        float scale = finalC.Max(MathF.Abs);
        Assert.True(scale > 0);
        for (int j = 0; j < finalC.Length; j++)
        {
            float mean = (finalCi[0][j] + finalCi[1][j] + finalCi[2][j]) / 3;
            Assert.True(MathF.Abs(finalC[j] - mean) <= 1e-3f * scale, $"c[{j}] = {finalC[j]} but mean c_i = {mean}");
        }
        admin.Dispose();
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
