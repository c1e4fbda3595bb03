using System.Net;

namespace Tessera.Coordinator.Tests;

/// <summary>Finished jobs (completed, cancelled) drop out of the node's tick loop but still answer for themselves.</summary>
[Collection("coordinator")]
public sealed class FinishedJobTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task Completed_and_cancelled_jobs_are_no_longer_ticked_and_still_report_their_status()
    {
        var (session, _) = await Join("pool", "w");
        var done = await Admin.CreateJob("""
            name: finishes
            model: logreg
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 1000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10 }
            """);
        var task = await NextTask(session);
        Assert.Equal(HttpStatusCode.OK, (await Upload(session, task.TaskId, await Update(task))).Status);
        await Admin.WaitFor(done.Id, s => s.Status == "completed");

        // Two jobs that wait for two workers (only one has joined), so they stay running until told otherwise.
        const string waiting = """
            model: logreg
            rounds: 5
            clients_per_round: 2
            data: { clients: 2, train_samples: 1000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10 }
            """;
        var cancelled = await Admin.CreateJob("name: cancelled\n" + waiting);
        var running = await Admin.CreateJob("name: still-running\n" + waiting);
        using (var req = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/jobs/{cancelled.Id}/cancel"))
        {
            req.Headers.Add("X-Api-Key", "k");
            Assert.True((await Http.SendAsync(req)).IsSuccessStatusCode);
        }

        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until && !(Finished(done.Id) && Finished(cancelled.Id));)
            await Task.Delay(100);
        Assert.True(Finished(done.Id), "the completed job is still ticked");
        Assert.True(Finished(cancelled.Id), "the cancelled job is still ticked");
        Assert.False(Finished(running.Id), "a running job was taken out of the tick loop");
        Assert.Equal(("completed", null), ((await Admin.Job(done.Id)).Status, (await Admin.Job(done.Id)).StoppedEarly));   // ran all its rounds
        Assert.Equal("cancelled", (await Admin.Job(cancelled.Id)).Status);
        Assert.Single(await Admin.Rounds(done.Id));
    }

    [Theory, InlineData("fedavg"), InlineData("fedbuff")]
    public async Task A_job_whose_accuracy_stops_improving_completes_when_patience_runs_out(string strategy)
    {
        // A learning rate too small to move a float32 weight: every round's test accuracy equals round 1's.
        var job = await Admin.CreateJob($$"""
            name: plateau-{{strategy}}
            model: logreg
            rounds: 20
            patience: 2
            clients_per_round: 1
            strategy: { name: {{strategy}}{{(strategy == "fedbuff" ? ", buffer_size: 1" : "")}} }
            data: { clients: 1, train_samples: 1000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10, lr: 1e-12 }
            """);
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "w");
        var done = await Admin.WaitFor(job.Id, s => s.Status != "running");
        Assert.Equal(("completed", 3L), (done.Status, done.Version));   // best at round 1; rounds 2 and 3 did not beat it
        Assert.StartsWith("no new best test accuracy for 2 rounds", done.StoppedEarly);
        var rounds = await Admin.Rounds(job.Id);
        Assert.Equal([1, 2, 3], rounds.Select(r => r.Round));
        Assert.Single(rounds.Select(r => r.TestAccuracy).Distinct());
    }

    bool Finished(string jobId) => Host.Jobs.Get(jobId)!.Finished;
}
