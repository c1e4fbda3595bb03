using System.Collections.Concurrent;
using Tessera.Coordinator.Jobs;
using Tessera.Worker;
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
        strategy: {{ name: {1} }}
        """;

    /// <param name="strategy">SCAFFOLD too: each worker's c_i is written by the node it uploads to and read back
    /// through the shared blob folder, whichever node serves the worker next. And a robust aggregator: each node spills
    /// the updates it accepted, and the closing node reads both nodes' spills as one cohort.</param>
    [Theory, InlineData(TestDatabase.Sqlite, "fedavg"), InlineData(TestDatabase.Postgres, "fedavg"), InlineData(TestDatabase.Sqlite, "scaffold"),
     InlineData(TestDatabase.Sqlite, "fedavg, aggregator: median")]
    public async Task Two_nodes_train_one_job_with_updates_folded_on_both(string backend, string strategy)
    {
        using var db = new TestDatabase(backend);
        var a = ClusterNodes.Start(db);
        using var _a = a.Process;
        var b = ClusterNodes.Start(db);
        using var _b = b.Process;
        using var adminA = new AdminApi(a.Url, CoordinatorProcess.AdminKey);
        using var adminB = new AdminApi(b.Url, CoordinatorProcess.AdminKey);
        var job = await adminA.CreateJob(string.Format(Spec, 4, strategy));
        // Created at A, visible at B (B reads it from the shared database).
        Assert.Equal(job.Id, (await adminB.Job(job.Id)).Id);

        await using var pool = new WorkerPool();
        var workers = Enumerable.Range(0, 2).Select(i => pool.Add(a.Url, job.JoinToken, $"a-{i}"))
            .Concat(Enumerable.Range(0, 2).Select(i => pool.Add(b.Url, job.JoinToken, $"b-{i}"))) // joins at B with a token issued at A
            .ToList();

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

        if (strategy == "scaffold")
        {
            // Every round counted all 4 clients, so c = mean of the c_i exactly when every node's Δc_i reached the
            // grain's node once; and both nodes serve the same files.
            var path = $"/api/v1/controls/{job.Id}/{done.Version}";
            var c = TestTensors.Floats(await adminA.Bytes(path));
            Assert.Equal(c, TestTensors.Floats(await adminB.Bytes(path)));
            var ci = await Task.WhenAll(workers.Select(async w => TestTensors.Floats(await adminB.Bytes($"{path}/workers/{w.WorkerId}"))));
            float scale = c.Max(MathF.Abs);
            Assert.True(scale > 0);
            for (int j = 0; j < c.Length; j++)
                Assert.True(MathF.Abs(c[j] - ci.Average(x => x[j])) <= 1e-3f * scale, $"c[{j}] = {c[j]}, mean of c_i = {ci.Average(x => x[j])}");
        }
    }

    /// <param name="killGrainHost">kill the node hosting the job grain (the grain moves to the survivor and re-runs the
    /// open round), or the other one (the grain sees a node holding folded updates die and re-runs the round).</param>
    [Theory, InlineData(TestDatabase.Sqlite, true), InlineData(TestDatabase.Sqlite, false), InlineData(TestDatabase.Postgres, false)]
    public async Task SIGKILL_of_one_node_mid_job_finishes_on_the_survivor_with_exact_counts(string backend, bool killGrainHost)
    {
        using var db = new TestDatabase(backend);
        ClusterNode[] nodes = [ClusterNodes.Start(db), ClusterNodes.Start(db)];
        // Per node: a gate its workers' training waits at, and the rounds its workers uploaded (accepted = folded there).
        ManualResetEventSlim[] gates = [new(true), new(true)];
        ConcurrentDictionary<int, bool>[] uploaded = [new(), new()];
        try
        {
            using var admin0 = new AdminApi(nodes[0].Url, CoordinatorProcess.AdminKey);
            var job = await admin0.CreateJob(string.Format(Spec, 8, "fedavg"));
            await using var pool = new WorkerPool();
            var workers = nodes.Select((n, k) => Enumerable.Range(0, 2).Select(i => pool.Add(n.Url, job.JoinToken, $"{n.SiloPort}-{i}", (_, e) =>
            {
                if (e is TaskProgress) gates[k].Wait(TimeSpan.FromSeconds(120));
                if (e is TaskUploaded u) uploaded[k][u.Round] = true;
            })).ToList()).ToList();

            var started = await admin0.WaitFor(job.Id, s => s.Version >= 1, maxSeconds: 400);
            int victim = nodes[0].Hosts(started.Node) == killGrainHost ? 0 : 1;
            var survivor = nodes[1 - victim];
            using var admin = new AdminApi(survivor.Url, CoordinatorProcess.AdminKey);

            // Hold the survivor's workers so a round stalls short of its quorum while the victim holds folded updates
            // (accepted, not yet credited); then kill the victim in that state.
            gates[1 - victim].Reset();
            var killedIn = await StalledRoundWithUploadsAt(admin, job.Id, uploaded[victim]);
            nodes[victim].Process.Kill();
            // The victim's workers are restarted against the survivor; the survivor's own workers go on.
            foreach (var w in workers[victim]) pool.Stop(w);
            gates[1 - victim].Set();
            for (int i = 0; i < 2; i++) pool.Add(survivor.Url, job.JoinToken, $"restarted-{i}");

            var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 500);
            Assert.Equal("completed", done.Status);
            Assert.Equal(8, done.Version);
            Assert.True(survivor.Hosts(done.Node), $"the grain is on {done.Node}, not on the survivor");
            var rounds = await admin.Rounds(job.Id);
            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], rounds.Select(r => r.Round));
            Assert.All(rounds, r => Assert.Equal("closed", r.Status));
            Assert.All(rounds, r => Assert.Equal(4, r.Updates));
            // The round open at the kill cannot close with the victim's partial, so it was re-run: once when its close
            // found the partial gone, and once more if the job grain was re-activated because the dead node held its
            // directory entry. Either way it counted exactly its quorum (above) and the ledger matches (below).
            Assert.InRange(rounds.Single(r => r.Round == killedIn).Attempt, 2, 3);
            var ledger = await admin.Ledger(job.Id);
            Assert.Equal(32, ledger.Sum(l => l.Updates));            // 8 rounds x 4 updates, none twice, none lost
            Assert.Equal(rounds.Sum(r => r.Samples), ledger.Sum(l => l.Samples));
        }
        finally
        {
            foreach (var g in gates) g.Set();
            foreach (var n in nodes) n.Process.Dispose();
        }
    }

    /// <summary>Waits until a round is collecting, short of its quorum, with an upload of it accepted at the node.</summary>
    static async Task<int> StalledRoundWithUploadsAt(AdminApi admin, string jobId, ConcurrentDictionary<int, bool> uploadedAtNode)
    {
        var until = DateTime.UtcNow.AddSeconds(300);
        while (DateTime.UtcNow < until)
        {
            var s = await admin.Job(jobId);
            if (s.Status != "running") throw new InvalidOperationException($"job ended before a round stalled: {s}");
            if (s.Phase == "collecting" && s.Round is int r && uploadedAtNode.ContainsKey(r) && s.RoundUpdates < 4) return r;
            await Task.Delay(100);
        }
        throw new TimeoutException("no round stalled with an update accepted at the node");
    }
}
