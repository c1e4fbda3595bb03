namespace Tessera.Browser.Tests;

/// <summary>
/// A tab whose training diverges gives its task back with the reason and keeps waiting for work; nothing is counted,
/// and the job, which no worker can serve, pauses with that reason.
/// </summary>
[Collection("browser")]
public sealed class BrowserDeclineTests
{
    [Fact]
    public async Task A_tab_whose_training_diverges_declines_the_task_and_nothing_is_counted()
    {
        await using var c = await TestCoordinator.Start();
        var job = await c.CreateJob("""
            name: browser-diverges
            model: logreg
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 2000 }
            local: { batch_size: 10, lr: 1e38 }
            """);
        using var browser = BrowserDriver.Start(("a", $"{c.Url}/worker?token={job.JoinToken}&name=tab-a"), ("dashboard", $"{c.Url}/"));
        var state = await browser.WaitFor(s => s.GetProperty("a").GetProperty("dropped").GetInt32() >= 1, TimeSpan.FromMinutes(2), "a declined task");
        Assert.StartsWith("declined: training diverged: parameter", state.GetProperty("a").GetProperty("lastDropped").GetString());

        // The only worker declined, so the job pauses with the reason (DeclineTests covers resuming).
        var s = await c.Job(job.Id);
        for (var until = DateTime.UtcNow.AddSeconds(30); s.Status == "running" && DateTime.UtcNow < until; s = await c.Job(job.Id)) await Task.Delay(100);
        Assert.Equal((0L, 0, "paused"), (s.Version, s.RoundUpdates, s.Status));
        Assert.Contains("training diverged", s.Error);
        // The dashboard's job card says why it paused.
        string card = "";
        for (var until = DateTime.UtcNow.AddSeconds(30); !card.Contains("declined round 1") && DateTime.UtcNow < until; await Task.Delay(200))
            card = browser.Eval("dashboard", "document.querySelector('.facts')?.textContent ?? ''").GetString() ?? "";
        Assert.Contains("— every live worker (1) declined round 1: training diverged", card);
        Assert.Contains("tessera_tasks_declined_total", await c.Http.GetStringAsync("/metrics"));
        Assert.Empty(await c.Ledger(job.Id));
        // The tab goes on asking for work (the decliner is not invited again this round).
        await browser.WaitFor(s => s.GetProperty("a").GetProperty("status").GetString() == "waiting for a task", TimeSpan.FromSeconds(30), "the tab polling again");
    }
}
