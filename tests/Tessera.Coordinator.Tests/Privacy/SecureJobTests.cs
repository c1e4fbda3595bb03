using Tessera.Coordinator.Jobs;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>privacy.secure_aggregation on a real coordinator with .NET workers: SecAgg+ rounds over the task protocol.</summary>
[Collection("coordinator")]
public sealed class SecureJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    static string Spec(string name, string privacy) => $$"""
        name: {{name}}
        model: logreg
        rounds: 5
        clients_per_round: 4
        data: { clients: 4, train_samples: 4000 }
        local: { epochs: 1, batch_size: 20, lr: 0.1 }
        verification: { replay: off }
        {{privacy}}
        """;

    [Fact]
    public async Task Four_workers_train_with_secure_aggregation_as_well_as_without_it()
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var secure = await admin.CreateJob(Spec("e2e-secagg", "privacy: { secure_aggregation: { clip: 100, stage_seconds: 20 } }"));
        await using (var pool = new WorkerPool())
        {
            for (int i = 0; i < 4; i++) pool.Add(coordinator.Url, secure.JoinToken, $"worker-{i}");
            var done = await admin.WaitFor(secure.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
            Assert.Equal("completed", done.Status);
        }
        var plain = await admin.CreateJob(Spec("e2e-plain", ""));
        await using (var pool = new WorkerPool())
        {
            for (int i = 0; i < 4; i++) pool.Add(coordinator.Url, plain.JoinToken, $"worker-{i}");
            await admin.WaitFor(plain.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        }
        var s = await admin.Job(secure.Id);
        var p = await admin.Job(plain.Id);
        Assert.True(s.LastAccuracy > 0.8, $"secure {s.LastAccuracy}");
        Assert.True(Math.Abs(s.LastAccuracy!.Value - p.LastAccuracy!.Value) < 0.02, $"secure {s.LastAccuracy:P2}, plain {p.LastAccuracy:P2}");
        var rounds = await admin.Rounds(secure.Id);
        Assert.All(rounds.Where(r => r.Status == "closed"), r => Assert.Equal(4, r.Updates));
    }

    [Fact]
    public async Task Fednova_over_secure_aggregation_learns_as_plain_fednova_on_shards_of_very_different_sizes()
    {
        // Quantity-skewed shards: the workers run very different numbers of steps, which FedNova normalizes; under
        // secure aggregation each worker scales its own update and the coordinator rescales the unmasked mean.
        static string Nova(string name, string privacy) => Spec(name, privacy)
            .Replace("data: { clients: 4, train_samples: 4000 }", "data: { clients: 4, train_samples: 4000, partition: quantity }")
            .Replace("verification:", "strategy: { name: fednova }\nverification:");
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var results = new List<JobSnapshot>();
        foreach (var (name, privacy) in new[] { ("e2e-nova-secagg", "privacy: { secure_aggregation: { clip: 100, stage_seconds: 20 } }"), ("e2e-nova-plain", "") })
        {
            var job = await admin.CreateJob(Nova(name, privacy));
            await using var pool = new WorkerPool();
            for (int i = 0; i < 4; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");
            var done = await admin.WaitFor(job.Id, j => j.Status is "completed" or "failed", maxSeconds: 300);
            Assert.True(done.Status == "completed", $"{name}: {done.Status} {done.Error}");
            results.Add(done);
        }
        var (secure, plain) = (results[0], results[1]);
        Assert.True(secure.LastAccuracy > 0.8, $"secure {secure.LastAccuracy}");
        Assert.True(Math.Abs(secure.LastAccuracy!.Value - plain.LastAccuracy!.Value) < 0.025, $"secure {secure.LastAccuracy:P2}, plain {plain.LastAccuracy:P2}");
        Assert.All((await admin.Rounds(secure.Id)).Where(r => r.Status == "closed"), r => Assert.Equal(4, r.Updates));
    }

    [Fact]
    public async Task Central_dp_over_secure_aggregation_learns_as_central_dp_without_it_and_spends_the_same_epsilon()
    {
        const string dp = "  dp: { noise_multiplier: 0.01, clip: 10 }";
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var results = new List<JobSnapshot>();
        foreach (var (name, privacy) in new[] { ("e2e-dp-secagg", $"privacy:\n  secure_aggregation: {{ stage_seconds: 20 }}\n{dp}"), ("e2e-dp-plain", $"privacy:\n{dp}") })
        {
            var job = await admin.CreateJob(Spec(name, privacy));
            await using var pool = new WorkerPool();
            for (int i = 0; i < 4; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");
            var done = await admin.WaitFor(job.Id, j => j.Status is "completed" or "failed", maxSeconds: 300);
            Assert.Equal("completed", done.Status);
            results.Add(done);
        }
        var (secure, plain) = (results[0], results[1]);
        Assert.True(secure.Privacy!.SecureAggregation);
        Assert.Equal(plain.Privacy!.Epsilon, secure.Privacy.Epsilon, 9);
        // The two runs' tasks draw their own seeds and the coordinator sizes K by measured speed, so they differ by more
        // than quantization even when both are right (1.5 points once under CI load); a mask left in would mean chance.
        Assert.True(Math.Abs(secure.LastAccuracy!.Value - plain.LastAccuracy!.Value) < 0.025, $"secure {secure.LastAccuracy:P2}, plain {plain.LastAccuracy:P2}");
        var noise = (await admin.Rounds(secure.Id)).Where(r => r.Status == "closed")
            .Select(r => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics!)!["dp_noise_std"]);
        Assert.All(noise, n => Assert.Equal(0.01 * 10 / 4, n, 9));   // the server noised the unmasked sum
    }

    [Fact]
    public async Task Distributed_dp_noise_is_added_by_the_workers_in_shares_under_secure_aggregation()
    {
        // z = 50, C = 1: each worker adds a Skellam share of variance (z·Δ2)²/m levels² to its quantized words before
        // masking; the four shares sum to one Skellam of std z·Δ2 levels ≈ z·C, so the model moves by about z·C/m·√d.
        // A coordinator that saw the shares or added the noise itself is not needed.
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(Spec("e2e-dp-distributed", "privacy:\n  secure_aggregation: { stage_seconds: 20 }\n  dp: { mode: distributed, noise_multiplier: 50, clip: 1 }").Replace("rounds: 5", "rounds: 1"));
        await using var pool = new WorkerPool();
        for (int i = 0; i < 4; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");
        var done = await admin.WaitFor(job.Id, j => j.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        Assert.Equal("distributed", done.Privacy!.Mode);
        var (moved, length) = await TestTensors.Moved(admin, job.Id);
        double expected = 50.0 / 4 * Math.Sqrt(length);
        Assert.InRange(moved, 0.9 * expected, 1.1 * expected);
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
