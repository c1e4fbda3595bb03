using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Coordinator.Api;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// The coordinator times each task itself (hand-out to upload): a worker claiming a million samples per second is
/// measured at what it really delivered, flagged as inflated, sized and routed by the measurement.
/// </summary>
[Collection("coordinator")]
public sealed class MeasuredSpeedTests : InProcessCoordinatorTest
{
    // The deadline leaves two seconds for a loaded machine's upload, and stays under twice the training time so
    // that K sized from the measurement is below the claim's full epoch.
    const int Batch = 10, DeadlineSeconds = 6, TrainingSeconds = 4;

    [Fact]
    public async Task A_claimed_speed_is_replaced_by_the_measured_one_and_flagged()
    {
        var res = await Http.PostAsJsonAsync("/api/v1/workers/join",
            new JoinRequest { Token = "pool", Name = "boaster", Capabilities = new WorkerCapabilities { SamplesPerSecond = 1_000_000 } }, WireJson.Options);
        res.EnsureSuccessStatusCode();
        var session = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!.SessionToken;
        var job = await Admin.CreateJob($"""
            name: measured
            model: logreg
            rounds: 2
            clients_per_round: 1
            deadline_seconds: {DeadlineSeconds}
            data: {"{"} dataset: synthetic, clients: 1, train_samples: 2000 {"}"}
            local: {"{"} batch_size: {Batch} {"}"}
            verification: {"{"} replay: off {"}"}
            """);

        // The claim seeds the first task: a whole epoch (2000 samples / 10), far under 1e6 × 6 s × 0.5 / 10.
        var first = await NextTask(session);
        Assert.Equal(200, first.Steps);
        await Task.Delay(TimeSpan.FromSeconds(TrainingSeconds)); // the "training" takes four seconds, whatever the worker says
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Upload(session, first.TaskId, await Update(first, meta: e => e with { SamplesPerSecond = 1_000_000 }))).Status);

        var me = (await Workers()).Single(w => w.Name == "boaster");
        Assert.Equal(1_000_000, me.ClaimedSpeed);
        Assert.NotNull(me.MeasuredSpeed);
        // 2000 samples in a little over 4 s (and within the deadline): at most 2000/4, at least 2000/6.
        Assert.InRange(me.MeasuredSpeed!.Value, 2000.0 / DeadlineSeconds, 2000.0 / TrainingSeconds);
        Assert.True(me.SpeedClaimInflated);
        Assert.Equal(me.MeasuredSpeed, me.SamplesPerSecond);

        // The dashboard's table counts the inflated claim and sums the measured speed.
        var overview = JsonSerializer.Deserialize<Overview>(await Http.GetStringAsync("/api/v1/overview"), WireJson.Options)!;
        var kind = Assert.Single(overview.Workers);
        Assert.Equal(1, kind.InflatedClaims);
        Assert.Equal(me.MeasuredSpeed!.Value, kind.SamplesPerSecond, 6);

        // K of the next task follows the measurement: speed × deadline × 0.5 / batch, not the claim's full epoch.
        var second = await NextTask(session);
        Assert.Equal(2, second.Round);
        Assert.Equal((int)(me.MeasuredSpeed!.Value * DeadlineSeconds * 0.5 / Batch), second.Steps);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Upload(session, second.TaskId, await Update(second, meta: e => e with { SamplesPerSecond = 1_000_000 }))).Status);
        await Admin.WaitFor(job.Id, s => s.Status == "completed");

        // Routing by requirements uses the measurement too: a job needing 100,000 samples/s does not take this worker.
        await Admin.CreateJob("""
            name: needs-fast
            model: logreg
            rounds: 1
            clients_per_round: 1
            requirements: { min_samples_per_second: 100000 }
            data: { dataset: synthetic, clients: 1, train_samples: 2000 }
            local: { batch_size: 10 }
            verification: { replay: off }
            """);
        Assert.Null(await TryNextTask(session, 3));
    }

    async Task<List<WorkerInfo>> Workers()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workers");
        req.Headers.Add("X-Api-Key", "k");
        using var res = await Http.SendAsync(req);
        res.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<List<WorkerInfo>>(await res.Content.ReadAsStringAsync(), WireJson.Options)!;
    }
}
