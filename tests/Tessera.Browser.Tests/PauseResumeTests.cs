namespace Tessera.Browser.Tests;

/// <summary>Pause stops training after the current chunk and uploads nothing; Resume picks the work up again.</summary>
[Collection("browser")]
public sealed class PauseResumeTests
{
    [Fact]
    public async Task Pausing_mid_task_drops_it_unsent_and_resuming_finishes_the_round()
    {
        await using var c = await TestCoordinator.Start();
        // Ten epochs: a task of several seconds, so the pause lands while it trains. Not audited: a fresh tab's first long
        // tasks can drift past the replay tolerance (docs/TRUST.md) and be left out, which is not this test's subject.
        var job = await c.CreateJob("""
            name: browser-pause
            model: 2nn
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 6000 }
            local: { epochs: 10, batch_size: 10, lr: 0.05 }
            verification: { replay: off }
            """);
        using var browser = BrowserDriver.Start(("tab", $"{c.Url}/worker?token={job.JoinToken}&name=pausing"));
        await browser.WaitFor(s => s.GetProperty("tab").GetProperty("status").GetString()!.StartsWith("training", StringComparison.Ordinal),
            TimeSpan.FromMinutes(2), "the tab training");
        browser.Eval("tab", "document.getElementById('pause').click()");
        var paused = await browser.WaitFor(s => s.GetProperty("tab").GetProperty("dropped").GetInt32() == 1, TimeSpan.FromMinutes(1), "the task dropped on pause");
        Assert.True(paused.GetProperty("tab").GetProperty("paused").GetBoolean());
        Assert.Equal(0, paused.GetProperty("tab").GetProperty("tasksDone").GetInt32());
        Assert.Equal(0, (await c.Job(job.Id)).Version); // nothing was uploaded

        browser.Eval("tab", "document.getElementById('pause').click()");
        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed", TimeSpan.FromMinutes(3));
        Assert.Equal("completed", done.Status);
        var credited = Assert.Single(await c.Ledger(job.Id));
        Assert.Equal("pausing", credited.Name);
        var state = await browser.WaitFor(s => s.GetProperty("tab").GetProperty("tasksDone").GetInt32() == 1, TimeSpan.FromSeconds(30), "the page counting the task");
        Assert.False(state.GetProperty("tab").GetProperty("paused").GetBoolean());
    }
}
