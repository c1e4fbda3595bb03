namespace Tessera.Coordinator.Tests;

/// <summary>
/// Two coordinator processes form one cluster over a shared database: a job created at one node is served by both,
/// workers split across them, every round merges the partials of both nodes, and a SIGKILLed node's work is
/// re-run on the survivor with nothing lost or counted twice.
/// </summary>
[Collection("coordinator")]
public sealed class ClusterTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-cluster-").FullName;

    const string Spec = """
        name: cluster-2nn
        model: 2nn
        rounds: {0}
        clients_per_round: 4
        min_clients: 4
        data: {{ clients: 4, train_samples: 8000 }}
        local: {{ epochs: 1, batch_size: 20, lr: 0.05 }}
        """;

    [Fact]
    public async Task Two_nodes_train_one_job_with_updates_folded_on_both()
    {
        using var a = ClusterNodes.Start(_data);
        using var b = ClusterNodes.Start(_data);
        using var adminA = new AdminApi(a.Url, CoordinatorProcess.AdminKey);
        using var adminB = new AdminApi(b.Url, CoordinatorProcess.AdminKey);
        var job = await adminA.CreateJob(string.Format(Spec, 4));
        // Created at A, visible at B (B reads it from the shared database).
        Assert.Equal(job.Id, (await adminB.Job(job.Id)).Id);

        await using var pool = new WorkerPool();
        for (int i = 0; i < 2; i++) pool.Add(a.Url, job.JoinToken, $"a-{i}");
        for (int i = 0; i < 2; i++) pool.Add(b.Url, job.JoinToken, $"b-{i}"); // joins at B with a token issued at A

        var done = await adminB.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 400);
        Assert.Equal("completed", done.Status);
        Assert.Equal(4, done.Version);

        var rounds = await adminA.Rounds(job.Id);
        Assert.Equal([1, 2, 3, 4], rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal(4, r.Updates));
        Assert.True(rounds[^1].TestAccuracy > rounds[0].TestAccuracy, $"accuracy did not rise: {rounds[0].TestAccuracy} -> {rounds[^1].TestAccuracy}");
        Assert.True(rounds[^1].TestAccuracy > 0.8, $"final accuracy {rounds[^1].TestAccuracy}");

        // Both nodes folded (each worker uploads to its own node), and the rounds counted exactly what they folded.
        long foldedA = await ClusterNodes.UpdatesFolded(a.Url), foldedB = await ClusterNodes.UpdatesFolded(b.Url);
        Assert.True(foldedA > 0 && foldedB > 0, $"folded at A {foldedA}, at B {foldedB}");
        Assert.Equal(rounds.Sum(r => r.Updates), foldedA + foldedB);
        var ledger = await adminB.Ledger(job.Id);
        Assert.Equal(4, ledger.Count);
        Assert.Equal(16, ledger.Sum(l => l.Updates));
        Assert.Equal(rounds.Sum(r => r.Samples), ledger.Sum(l => l.Samples));
    }

    [Fact]
    public async Task SIGKILL_of_one_node_mid_job_finishes_on_the_survivor_with_exact_counts()
    {
        using var a = ClusterNodes.Start(_data);
        var b = ClusterNodes.Start(_data);
        using var admin = new AdminApi(a.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(string.Format(Spec, 7));

        await using var pool = new WorkerPool();
        for (int i = 0; i < 2; i++) pool.Add(a.Url, job.JoinToken, $"a-{i}");
        var atB = Enumerable.Range(0, 2).Select(i => pool.Add(b.Url, job.JoinToken, $"b-{i}")).ToList();

        // Kill B while a round is collecting and already holds accepted (uncredited) updates.
        await admin.WaitFor(job.Id, s => s.Version >= 2 && s.Phase == "collecting" && s.RoundUpdates is >= 1 and < 4, maxSeconds: 400);
        b.Kill();
        b.Dispose();
        // B's workers are restarted against the survivor.
        foreach (var w in atB) pool.Stop(w);
        for (int i = 0; i < 2; i++) pool.Add(a.Url, job.JoinToken, $"a-restarted-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 500);
        Assert.Equal("completed", done.Status);
        Assert.Equal(7, done.Version);
        var rounds = await admin.Rounds(job.Id);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal("closed", r.Status));
        Assert.All(rounds, r => Assert.Equal(4, r.Updates));
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(28, ledger.Sum(l => l.Updates));            // 7 rounds x 4 updates, none twice, none lost
        Assert.Equal(rounds.Sum(r => r.Samples), ledger.Sum(l => l.Samples));
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
