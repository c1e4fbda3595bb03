using System.Text.Json;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>privacy.dp on a real coordinator with .NET workers: the budget it spends, where it stops, and who adds the noise.</summary>
[Collection("coordinator")]
public sealed class PrivateJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    static double[] Metric(IEnumerable<Tessera.Coordinator.Storage.RoundRow> rounds, string key) =>
        rounds.OrderBy(r => r.Round).Select(r => JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics!)![key]).ToArray();

    [Fact]
    public async Task A_central_dp_job_spends_what_the_accountant_says_and_completes_before_passing_its_target()
    {
        const string yaml = """
            name: e2e-dp-central
            model: logreg
            rounds: 30
            clients_per_round: 3
            data: { clients: 30, train_samples: 3000 }
            local: { epochs: 1, batch_size: 20, lr: 0.1 }
            privacy:
              dp: { noise_multiplier: 0.7, clip: 1.0, target_epsilon: 10, adaptive_clip: { quantile: 0.5, count_noise: 2 } }
            """;
        var plan = PrivacyPlan.From(JobSpecParser.Parse(yaml))!;
        Assert.InRange(plan.MaxRounds, 2, 29);   // the budget, not the round count, ends this job
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(yaml);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        Assert.Equal(plan.MaxRounds, done.Version);
        Assert.Contains("privacy budget", done.StoppedEarly);
        var p = done.Privacy!;
        Assert.Equal(("central", 0.7, 10.0), (p.Mode, p.NoiseMultiplier, p.TargetEpsilon!.Value));
        Assert.Equal(plan.SpentAfter(plan.MaxRounds).Epsilon, p.Epsilon, 9);
        Assert.True(p.Epsilon <= 10 && plan.SpentAfter(plan.MaxRounds + 1).Epsilon > 10);

        var rounds = (await admin.Rounds(job.Id)).Where(r => r.Status == "closed").ToList();
        var eps = Metric(rounds, "epsilon");
        Assert.Equal(Enumerable.Range(1, (int)plan.MaxRounds).Select(k => plan.SpentAfter(k).Epsilon), eps, (a, b) => Math.Abs(a - b) < 1e-9);
        var clips = Metric(rounds, "dp_clip");
        Assert.Equal(1.0, clips[0], 6);
        Assert.True(clips.Distinct().Count() > 1, "adaptive clipping should move the bound");
        Assert.All(Metric(rounds, "dp_noise_std"), s => Assert.True(s > 0.7 / 3 * 0.9 * clips.Min()));
    }

    [Fact]
    public async Task Local_dp_noise_is_added_by_the_workers_before_the_coordinator_sees_anything()
    {
        // z = 100, C = 1: each upload carries noise of norm ≈ 100·√d; the two workers' mean moves the model by ≈ 100·√(d/2).
        // A worker that skipped the noise would move it by at most C = 1.
        const string yaml = """
            name: e2e-dp-local
            model: logreg
            rounds: 1
            clients_per_round: 2
            data: { clients: 2, train_samples: 2000 }
            local: { epochs: 1, batch_size: 20, lr: 0.1 }
            verification: { replay: off }
            privacy:
              dp: { mode: local, noise_multiplier: 100, clip: 1.0 }
            """;
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(yaml);
        await using var pool = new WorkerPool();
        for (int i = 0; i < 2; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 240);
        Assert.Equal("completed", done.Status);

        var (moved, length) = await TestTensors.Moved(admin, job.Id);
        double expected = 100 * Math.Sqrt(length / 2.0);
        Assert.InRange(moved, 0.9 * expected, 1.1 * expected);
        Assert.Equal("local", done.Privacy!.Mode);
        Assert.Equal(0, Metric(await admin.Rounds(job.Id), "dp_noise_std")[0]);   // the coordinator added none
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
