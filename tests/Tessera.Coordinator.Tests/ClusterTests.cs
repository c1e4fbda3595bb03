using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Tests.Storage;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// Two coordinator processes form one cluster over a shared database: a job created at one node is served by both,
/// workers split across them, every round merges the partials of both nodes, and a SIGKILLed node's work is
/// re-run on the survivor with nothing lost or counted twice.
/// </summary>
[Collection("coordinator")]
public sealed class ClusterTests
{
    const string Spec = """
        name: cluster-2nn
        model: 2nn
        rounds: {0}
        clients_per_round: 4
        min_clients: 4
        data: {{ clients: 4, train_samples: 8000 }}
        local: {{ epochs: 1, batch_size: 20, lr: 0.05 }}
        """;

    [Theory, InlineData(TestDatabase.Sqlite), InlineData(TestDatabase.Postgres)]
    public async Task Two_nodes_train_one_job_with_updates_folded_on_both(string backend)
    {
        using var db = new TestDatabase(backend);
        var a = ClusterNodes.Start(db);
        using var _a = a.Process;
        var b = ClusterNodes.Start(db);
        using var _b = b.Process;
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

    /// <param name="killGrainHost">kill the node hosting the job grain (the grain moves to the survivor and re-runs the
    /// open round), or the other one (the grain sees a node holding folded updates die and re-runs the round).</param>
    [Theory, InlineData(TestDatabase.Sqlite, true), InlineData(TestDatabase.Sqlite, false), InlineData(TestDatabase.Postgres, false)]
    public async Task SIGKILL_of_one_node_mid_job_finishes_on_the_survivor_with_exact_counts(string backend, bool killGrainHost)
    {
        using var db = new TestDatabase(backend);
        ClusterNode[] nodes = [ClusterNodes.Start(db), ClusterNodes.Start(db)];
        try
        {
            using var admin0 = new AdminApi(nodes[0].Url, CoordinatorProcess.AdminKey);
            var job = await admin0.CreateJob(string.Format(Spec, 8));
            await using var pool = new WorkerPool();
            var workers = nodes.Select(n => Enumerable.Range(0, 2).Select(i => pool.Add(n.Url, job.JoinToken, $"{n.SiloPort}-{i}")).ToList()).ToList();

            var started = await admin0.WaitFor(job.Id, s => s.Round >= 1, maxSeconds: 400);
            int victim = nodes[0].Hosts(started.Node) == killGrainHost ? 0 : 1;
            var survivor = nodes[1 - victim];
            using var admin = new AdminApi(survivor.Url, CoordinatorProcess.AdminKey);

            // Kill the victim while the open round holds an update the victim folded (accepted, not yet credited).
            var killedIn = await CollectingWithFoldAt(admin, job.Id, nodes[victim].Url);
            nodes[victim].Process.Kill();
            // The victim's workers are restarted against the survivor.
            foreach (var w in workers[victim]) pool.Stop(w);
            for (int i = 0; i < 2; i++) pool.Add(survivor.Url, job.JoinToken, $"restarted-{i}");

            var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 500);
            Assert.Equal("completed", done.Status);
            Assert.Equal(8, done.Version);
            Assert.True(survivor.Hosts(done.Node), $"the grain is on {done.Node}, not on the survivor");
            var rounds = await admin.Rounds(job.Id);
            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], rounds.Select(r => r.Round));
            Assert.All(rounds, r => Assert.Equal("closed", r.Status));
            Assert.All(rounds, r => Assert.Equal(4, r.Updates));
            // The round open at the kill either closed with the victim's partial handed over just before it died, or was
            // re-run (attempt 2); either way it counted exactly its quorum (above) and the ledger matches (below).
            Assert.InRange(rounds.Single(r => r.Round == killedIn).Attempt, 1, 2);
            var ledger = await admin.Ledger(job.Id);
            Assert.Equal(32, ledger.Sum(l => l.Updates));            // 8 rounds x 4 updates, none twice, none lost
            Assert.Equal(rounds.Sum(r => r.Samples), ledger.Sum(l => l.Samples));
        }
        finally
        {
            foreach (var n in nodes) n.Process.Dispose();
        }
    }

    /// <summary>Waits until a round is collecting, short of its quorum, with at least one of its updates folded at the node.</summary>
    static async Task<int> CollectingWithFoldAt(AdminApi admin, string jobId, string nodeUrl)
    {
        var until = DateTime.UtcNow.AddSeconds(300);
        while (DateTime.UtcNow < until)
        {
            var s = await admin.WaitFor(jobId, s => s.Version >= 1 && s.Phase == "collecting" && s.RoundUpdates < 3, maxSeconds: 300);
            long before = await ClusterNodes.UpdatesFolded(nodeUrl);
            while (true)
            {
                long now = await ClusterNodes.UpdatesFolded(nodeUrl);
                var t = await admin.Job(jobId);
                if (t.Round != s.Round || t.Phase != "collecting" || t.RoundUpdates >= 4) break; // missed it; try the next round
                if (now > before) return t.Round!.Value;
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("no round was caught collecting with an update folded at the node");
    }
}
