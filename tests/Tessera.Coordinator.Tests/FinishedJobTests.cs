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
        Assert.Equal("completed", (await Admin.Job(done.Id)).Status);
        Assert.Equal("cancelled", (await Admin.Job(cancelled.Id)).Status);
        Assert.Single(await Admin.Rounds(done.Id));
    }

    bool Finished(string jobId) => Host.Jobs.Get(jobId)!.Finished;
}
