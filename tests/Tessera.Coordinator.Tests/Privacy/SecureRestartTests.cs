namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>
/// A secure round lives in the job grain's memory only (its keys, shares and masked inputs). A coordinator killed
/// with SIGKILL mid-round must re-run that round with fresh keys when it comes back: nothing of the cut round is
/// counted, nothing is counted twice, and the job ends as an uninterrupted one would.
/// </summary>
[Collection("coordinator")]
public sealed class SecureRestartTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    [Fact]
    public async Task A_secure_round_cut_by_SIGKILL_is_re_run_with_fresh_keys_and_every_update_counts_once()
    {
        int port = CoordinatorProcess.FreePort();
        var first = CoordinatorProcess.Start(_data, port);
        using var admin = new AdminApi(first.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob("""
            name: e2e-secagg-restart
            model: logreg
            rounds: 4
            clients_per_round: 4
            data: { clients: 4, train_samples: 4000 }
            local: { epochs: 1, batch_size: 20, lr: 0.1 }
            verification: { replay: off }
            privacy: { secure_aggregation: { clip: 100, stage_seconds: 20 } }
            """);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 4; i++) pool.Add(first.Url, job.JoinToken, $"worker-{i}");

        // A secure round counts its updates all at once, at the unmask: while it collects, nothing of it is counted.
        // Later rounds of this small job last well under the poll's 200 ms; the first waits on the workers' start.
        var cut = await admin.WaitFor(job.Id, s => s.Phase == "collecting" && s.RoundTasks == 4 && s.RoundUpdates == 0);
        int interrupted = (int)cut.Version + 1;
        first.Kill();

        using var second = CoordinatorProcess.Start(_data, port);
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        Assert.Equal(4, done.Version);
        Assert.True(done.LastAccuracy > 0.8, $"accuracy {done.LastAccuracy:P2}");
        var rounds = (await admin.Rounds(job.Id)).Where(r => r.Status == "closed").ToList();
        Assert.Equal(Enumerable.Range(1, 4), rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal(4, r.Updates));
        Assert.True(rounds.Single(r => r.Round == interrupted).Attempt >= 2, $"round {interrupted} should have been re-run");
        Assert.Equal(16, (await admin.Ledger(job.Id)).Sum(l => l.Updates));   // each round's four paid once
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
