using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>POST /jobs/estimate on the live pool, refusing bad specs by field; a created job keeps its estimate and shows actuals when it ends.</summary>
[Collection("coordinator")]
public sealed class EstimateEndpointTests : InProcessCoordinatorTest
{
    const string Spec = """
        name: estimated
        model: logreg
        rounds: 2
        clients_per_round: 1
        data: { dataset: synthetic, clients: 1, train_samples: 2000 }
        local: { batch_size: 10 }
        verification: { replay: off }
        """;

    async Task<HttpResponseMessage> Estimate(string body, string? key = "k")
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs/estimate") { Content = new StringContent(body) };
        if (key is not null) req.Headers.Add("X-Api-Key", key);
        return await Http.SendAsync(req);
    }

    async Task<int> JobCount() => (await Http.GetFromJsonAsync<List<JsonElement>>("/api/v1/jobs", WireJson.Options))!.Count;

    [Fact]
    public async Task A_bad_spec_is_refused_naming_the_field_and_creates_no_job()
    {
        foreach (var (body, field) in new[]
        {
            (Spec.Replace("rounds: 2", "rounds: many"), "rounds"),
            (Spec.Replace("batch_size: 10", "batch_size: 0"), "local.batch_size"),
            (Spec.Replace("model: logreg", "model: nosuchmodel"), "model"),
            ("", "(root)"),
        })
        {
            using var res = await Estimate(body);
            Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
            var error = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
            Assert.StartsWith(field, error);
        }
        using (var anonymous = await Estimate(Spec, key: null)) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, await JobCount());
    }

    [Fact]
    public async Task The_estimate_counts_the_artifacts_flops_on_the_live_pool_and_creates_nothing()
    {
        await Http.PostAsJsonAsync("/api/v1/workers/join",
            new JoinRequest { Token = "pool", Name = "a", Capabilities = new WorkerCapabilities { SamplesPerSecond = 1000 } }, WireJson.Options);
        using var res = await Estimate(Spec);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var e = JsonSerializer.Deserialize<EstimateResponse>(await res.Content.ReadAsStringAsync(), WireJson.Options)!.Estimate;
        // One 2000-sample shard: 200 steps of 10 per task, 2 rounds of 1 task; no verification.
        Assert.Equal(1, e.Workers);
        Assert.Equal(2 * 2000, e.TrainingSamples);
        Assert.Equal(0, e.VerificationFlops);
        Assert.True(e.EvaluationFlops > 0); // the synthetic test split, evaluated after each round
        // Two one-epoch tasks of 2000 samples at 1000 samples/s, one after the other: about 4 s of training.
        Assert.InRange(e.EtaP50Seconds!.Value, 3, 8);
        Assert.True(e.EtaP90Seconds >= e.EtaP50Seconds);
        Assert.Equal(0, await JobCount());
    }

    [Fact]
    public async Task A_job_created_before_its_workers_gets_an_eta_once_one_joins_with_its_token()
    {
        var job = await Admin.CreateJob(Spec);
        var first = (await Admin.Job(job.Id)).Estimate!;
        Assert.Null(first.EtaP50Seconds);
        Assert.Contains("no worker", first.Stalled);
        Assert.True(first.TrainingFlops > 0); // the cost is known without a pool

        await Http.PostAsJsonAsync("/api/v1/workers/join",
            new JoinRequest { Token = job.JoinToken, Name = "late", Capabilities = new WorkerCapabilities { SamplesPerSecond = 1000 } }, WireJson.Options);
        var later = (await Admin.WaitFor(job.Id, s => s.Estimate?.EtaP50Seconds is not null, maxSeconds: 30)).Estimate!;
        Assert.Equal(1, later.Workers);
        Assert.Equal(first.TrainingFlops, later.TrainingFlops);
        Assert.True(later.Made > first.Made);
    }

    [Fact]
    public async Task A_job_keeps_its_estimate_and_shows_actuals_beside_it_when_it_ends()
    {
        var res = await Http.PostAsJsonAsync("/api/v1/workers/join",
            new JoinRequest { Token = "pool", Name = "w", Capabilities = new WorkerCapabilities { SamplesPerSecond = 5000 } }, WireJson.Options);
        var session = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!.SessionToken;
        var job = await Admin.CreateJob(Spec);
        var estimate = (await Admin.Job(job.Id)).Estimate;
        Assert.NotNull(estimate);
        Assert.Null(estimate.ActualSeconds);
        Assert.Equal(1, estimate.Workers);

        for (int round = 1; round <= 2; round++)
        {
            var task = await NextTask(session);
            Assert.Equal(HttpStatusCode.OK, (await Upload(session, task.TaskId, await Update(task))).Status);
        }
        var done = await Admin.WaitFor(job.Id, s => s.Status == "completed");
        var ended = done.Estimate!;
        Assert.Equal(estimate.TrainingFlops, ended.TrainingFlops);
        // Both tasks were a whole epoch, as the estimate sized them: the assigned work is exactly what it predicted.
        Assert.Equal(ended.TrainingFlops, ended.ActualTrainingFlops);
        Assert.True(ended.ActualSeconds > 0);
        // Actual credits are what the ledger owes the job's contributors: GFLOP of the assigned work, as estimated.
        Assert.Equal((await Admin.Ledger(job.Id)).Sum(l => l.Granted + l.Pending + l.Unverifiable), ended.ActualCredits!.Value, 9);
        Assert.Equal(ended.Credits, ended.ActualCredits!.Value, 9);
    }
}
