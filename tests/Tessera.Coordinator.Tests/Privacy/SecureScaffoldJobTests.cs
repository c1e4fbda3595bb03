using System.Net;
using System.Numerics.Tensors;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>
/// SCAFFOLD under secure aggregation on a real coordinator with four .NET workers on a non-IID split: each worker masks
/// Δc_i beside its update and keeps c_i itself, the coordinator stores no c_i, and c stays the mean of the workers' c_i.
/// </summary>
[Collection("coordinator")]
public sealed class SecureScaffoldJobTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    const int Rounds = 6, Workers = 4;

    [Fact]
    public async Task Four_workers_train_scaffold_with_secure_aggregation_keep_their_own_control_variates_and_c_stays_their_mean()
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(Spec("e2e-secagg-scaffold", "privacy: { secure_aggregation: { clip: 10, stage_seconds: 20 } }"));
        await using var pool = new WorkerPool();
        var agents = Enumerable.Range(0, Workers).Select(i => pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}")).ToList();
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.True(done.Status == "completed", $"{done.Status}: {done.Error}");
        var plain = await admin.CreateJob(Spec("e2e-plain-scaffold", ""));
        await using (var plainPool = new WorkerPool())
        {
            for (int i = 0; i < Workers; i++) plainPool.Add(coordinator.Url, plain.JoinToken, $"plain-{i}");
            var plainDone = await admin.WaitFor(plain.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
            Assert.True(plainDone.LastAccuracy > 0.6, $"plain scaffold {plainDone.LastAccuracy:P1}");
            Assert.True(Math.Abs(done.LastAccuracy!.Value - plainDone.LastAccuracy!.Value) < 0.03, $"secure {done.LastAccuracy:P2}, plain {plainDone.LastAccuracy:P2}");
        }
        Assert.True(done.LastAccuracy > 0.6, $"final accuracy {done.LastAccuracy:P1}");
        var rounds = (await admin.Rounds(job.Id)).Where(r => r.Status == "closed").ToList();
        Assert.Equal(Enumerable.Range(1, Rounds), rounds.Select(r => r.Round));
        Assert.All(rounds, r => Assert.Equal(Workers, r.Updates));

        // What a worker asks before it keeps c_i: whether a committed round counted it. A round not yet committed is 404.
        string w = agents[0].WorkerId!;
        var counted = System.Text.Json.JsonSerializer.Deserialize<ControlCounted>(await admin.Bytes($"/api/v1/controls/{job.Id}/rounds/1/workers/{w}"), WireJson.Options)!;
        Assert.Equal(new ControlCounted(1, true), counted);
        var stranger = System.Text.Json.JsonSerializer.Deserialize<ControlCounted>(await admin.Bytes($"/api/v1/controls/{job.Id}/rounds/1/workers/w-000000000000"), WireJson.Options)!;
        Assert.False(stranger.Counted);
        using var http = new HttpClient { BaseAddress = new Uri(coordinator.Url) };
        var notYet = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/controls/{job.Id}/rounds/{Rounds + 1}/workers/{w}");
        notYet.Headers.Add("X-Api-Key", CoordinatorProcess.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(notYet)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/v1/controls/{job.Id}/rounds/1/workers/{w}")).StatusCode);

        // The coordinator never saw a Δc_i, so it holds no c_i: the workers do.
        Assert.False(Directory.Exists(Path.Combine(_data, "blobs", "controls", job.Id)), "the coordinator stored a worker's control variate");
        // Each worker settles a round's c_i when its next task comes, so after the last round every c_i is as of round R − 1.
        // Every round counts all N = 4 clients: c after R − 1 rounds is the mean of the c_i exactly when each counted
        // Δc_i was added once, and only the counted ones (up to the quantization of the masked sums).
        var c = TestTensors.Floats(await admin.Bytes($"/api/v1/controls/{job.Id}/{Rounds - 1}"));
        var own = agents.Select(a => a.OwnControls.Committed(job.Id) ?? throw new Xunit.Sdk.XunitException($"{a.WorkerId} kept no c_i")).ToList();
        var mean = new float[c.Length];
        foreach (var ci in own) TensorPrimitives.Add(mean, ci, mean);
        TensorPrimitives.Multiply(mean, 1f / Workers, mean);
        var gap = new float[c.Length];
        TensorPrimitives.Subtract(c, mean, gap);
        float norm = TensorPrimitives.Norm(c);
        Assert.True(norm > 0, "c never moved");
        Assert.True(TensorPrimitives.Norm(gap) < 0.01 * norm, $"c is {TensorPrimitives.Norm(gap):G3} from the mean of the workers' c_i, of norm {norm:G3}");
        // The workers' c_i differ (non-IID shards): c is not merely each worker's copy.
        var apart = new float[c.Length];
        TensorPrimitives.Subtract(own[0], own[1], apart);
        Assert.True(TensorPrimitives.Norm(apart) > 0.1 * norm);

    }

    static string Spec(string name, string privacy) => $$"""
        name: {{name}}
        model: logreg
        rounds: {{Rounds}}
        clients_per_round: {{Workers}}
        strategy: { name: scaffold }
        data: { clients: {{Workers}}, partition: pathological, shards_per_client: 2, train_samples: 4000 }
        local: { epochs: 1, batch_size: 20, lr: 0.05 }
        verification: { replay: off }
        {{privacy}}
        """;

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
