namespace Tessera.Coordinator.Tests;

/// <summary>FedBuff jobs: no rounds to wait for; every buffer_size uploads make one server step, recorded and credited like a round.</summary>
[Collection("coordinator")]
public sealed class AsyncJobTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    CoordinatorHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions { DataDirectory = _data, AdminKey = "k", Port = 0, Quiet = true, EvalSamples = 2000 });
        await _host.StartAsync();
    }

    [Fact]
    public async Task FedBuff_job_steps_every_buffer_and_learns()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob("""
            name: async
            model: 2nn
            rounds: 6
            strategy: { name: fedbuff, buffer_size: 2, max_staleness: 3 }
            data: { clients: 3, train_samples: 6000 }
            local: { batch_size: 20, lr: 0.05, momentum: 0.5 }
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(_host.BaseUrl, job.JoinToken, $"async-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);
        Assert.Equal(6, done.Version);
        var steps = await admin.Rounds(job.Id);
        Assert.Equal([1, 2, 3, 4, 5, 6], steps.Select(r => r.Round));
        Assert.All(steps, r => Assert.Equal(2, r.Updates));
        Assert.Equal(12, (await admin.Ledger(job.Id)).Sum(l => l.Updates));
        Assert.True(done.LastAccuracy > 0.8, $"accuracy after 6 FedBuff steps was {done.LastAccuracy:P1}");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
