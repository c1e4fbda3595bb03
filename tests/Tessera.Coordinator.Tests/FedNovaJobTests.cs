namespace Tessera.Coordinator.Tests;

/// <summary>FedNova on a real coordinator: three .NET workers with unequal Dirichlet shards (so unequal step counts τ_i).</summary>
[Collection("coordinator")]
public sealed class FedNovaJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    [Fact]
    public async Task Three_workers_train_FedNova_on_a_non_IID_split_past_80_percent()
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob("""
            name: e2e-fednova
            model: 2nn
            rounds: 12
            clients_per_round: 3
            target_accuracy: 0.85
            strategy: { name: fednova }
            data: { clients: 3, partition: dirichlet, alpha: 0.5, train_samples: 12000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05 }
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 480);
        Assert.Equal("completed", done.Status);
        Assert.Equal("fednova", done.Strategy);
        Assert.True(done.LastAccuracy >= 0.80, $"final test accuracy {done.LastAccuracy:P2} < 80%");
        var rounds = await admin.Rounds(job.Id);
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));
        // Unequal shards: the workers' sample counts differ, so their step counts did too.
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(3, ledger.Select(l => l.Samples / l.Updates).Distinct().Count());
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
