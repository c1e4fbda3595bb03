namespace Tessera.Browser.Tests;

/// <summary>A volunteer closing the tab mid-task costs the round time, not work: the task goes to another worker.</summary>
[Collection("browser")]
public sealed class TabClosedTests
{
    [Fact]
    public async Task A_tab_closed_mid_task_has_its_task_reassigned_and_the_round_completes()
    {
        await using var c = await TestCoordinator.Start();
        // One worker per round and a task of several seconds (10 epochs of 6,000: a tab at 15k samples/s took under a
        // second over 2 epochs, between two of the driver's 500 ms polls), so the test can close the tab while it trains. Not audited:
        // a fresh tab's first long tasks can drift past the replay tolerance (docs/TRUST.md), which is not this test's subject.
        var job = await c.CreateJob("""
            name: browser-tab-closed
            model: 2nn
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 6000 }
            local: { epochs: 10, batch_size: 10, lr: 0.05 }
            verification: { replay: off }
            """);
        using var browser = BrowserDriver.Start(
            ("a", $"{c.Url}/worker?token={job.JoinToken}&name=tab-a"),
            ("b", $"{c.Url}/worker?token={job.JoinToken}&name=tab-b"));
        var state = await browser.WaitFor(s => s.GetProperty("a").GetProperty("status").GetString()!.StartsWith("training", StringComparison.Ordinal)
            || s.GetProperty("b").GetProperty("status").GetString()!.StartsWith("training", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "a tab training");
        string busy = state.GetProperty("a").GetProperty("status").GetString()!.StartsWith("training", StringComparison.Ordinal) ? "a" : "b";
        string other = busy == "a" ? "b" : "a";
        browser.Close(busy);

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed", TimeSpan.FromMinutes(3));
        Assert.Equal("completed", done.Status);
        var ledger = await c.Ledger(job.Id);
        var credited = Assert.Single(ledger);
        Assert.Equal($"tab-{other}", credited.Name);
        Assert.Equal(1, credited.Updates);
    }
}
