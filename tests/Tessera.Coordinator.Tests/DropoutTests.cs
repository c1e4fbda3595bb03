using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>A worker that dies mid-round must not stall the round: over-selection and the quorum carry it.</summary>
[Collection("coordinator")]
public sealed class DropoutTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    CoordinatorHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = _data, AdminKey = "k", Port = 0, Quiet = true, EvalSamples = 1000,
            WorkerTimeout = TimeSpan.FromSeconds(5), SelectionWindow = TimeSpan.FromSeconds(1),
        });
        await _host.StartAsync();
    }

    [Fact]
    public async Task A_worker_killed_mid_round_does_not_stall_the_round()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob("""
            name: dropout
            model: 2nn
            rounds: 3
            clients_per_round: 2
            over_selection: 1.5
            min_clients: 2
            deadline_seconds: 600
            data: { clients: 3, train_samples: 6000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05 }
            """);
        await using var pool = new WorkerPool();
        // The victim stops dead as soon as it starts training: no upload, no more heartbeats.
        string? killedIn = null;
        pool.Add(_host.BaseUrl, job.JoinToken, "victim", (agent, e) =>
        {
            if (e is TaskStarted t && killedIn is null) { killedIn = t.TaskId; pool.Stop(agent); }
        });
        for (int i = 0; i < 2; i++) pool.Add(_host.BaseUrl, job.JoinToken, $"steady-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        Assert.NotNull(killedIn);
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal(3, rounds.Count);
        // Every round closed on its quorum of 2 even though 3 were invited to the first one and one never answered;
        // the 600 s deadline never came into play.
        Assert.All(rounds, r => Assert.Equal(2, r.Updates));
        Assert.All(rounds, r => Assert.True(r.DurationSeconds < 600));
        Assert.DoesNotContain(await admin.Ledger(job.Id), l => l.Name == "victim");
    }

    [Fact]
    public async Task A_worker_process_killed_mid_round_does_not_stall_the_round()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob("""
            name: dropout-process
            model: 2nn
            rounds: 2
            clients_per_round: 2
            over_selection: 1.5
            min_clients: 2
            deadline_seconds: 600
            data: { clients: 3, train_samples: 6000 }
            local: { epochs: 2, batch_size: 20, lr: 0.05 }
            """);
        // Real `tessera worker` processes; the victim is killed (SIGKILL) the moment it reports a task.
        int killed = 0;
        using var victim = new WorkerProcess(_host.BaseUrl, job.JoinToken, "victim", (p, line) =>
        {
            if (line.StartsWith("task ", StringComparison.Ordinal) && Interlocked.Exchange(ref killed, 1) == 0) p.Kill();
        });
        using var steady0 = new WorkerProcess(_host.BaseUrl, job.JoinToken, "steady-0");
        using var steady1 = new WorkerProcess(_host.BaseUrl, job.JoinToken, "steady-1");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        Assert.Equal(1, killed);
        Assert.All(await admin.Rounds(job.Id), r => Assert.Equal(2, r.Updates));
        Assert.DoesNotContain(await admin.Ledger(job.Id), l => l.Name == "victim");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
