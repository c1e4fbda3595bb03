namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>privacy.secure_aggregation on a real coordinator with .NET workers: SecAgg+ rounds over the task protocol.</summary>
[Collection("coordinator")]
public sealed class SecureJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    static string Spec(string name, string privacy) => $$"""
        name: {{name}}
        model: logreg
        rounds: 4
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

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
