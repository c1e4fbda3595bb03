namespace Tessera.Coordinator.Tests;

/// <summary>A real coordinator process and three .NET workers train the 2NN federated, over loopback HTTP.</summary>
[Collection("coordinator")]
public sealed class FederatedTrainingTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    [Fact]
    public async Task Three_workers_train_the_2NN_to_95_percent_over_http()
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob("""
            name: e2e-2nn
            model: 2nn
            rounds: 20
            clients_per_round: 3
            target_accuracy: 0.95
            data: { clients: 3, train_samples: 30000 }
            local: { epochs: 2, batch_size: 20, lr: 0.05, momentum: 0.5 }
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);
        Assert.True(done.LastAccuracy >= 0.95, $"final test accuracy {done.LastAccuracy:P2} < 95%");

        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(done.Version, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(3, ledger.Count);
        Assert.Equal(rounds.Sum(r => r.Updates), ledger.Sum(l => l.Updates));
        Assert.Equal(rounds.Sum(r => r.Samples), ledger.Sum(l => l.Samples));
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
