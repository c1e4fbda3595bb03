using System.Text.Json;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Browser.Tests;

/// <summary>End to end: a coordinator, two browser tabs and one .NET worker train MNIST's 2NN together.</summary>
[Collection("browser")]
public sealed class BrowserTrainingTests
{
    [Fact]
    public async Task Two_browser_workers_and_a_dotnet_worker_train_the_2NN_together()
    {
        await using var c = await TestCoordinator.Start();
        var job = await c.CreateJob("""
            name: browser-e2e
            model: 2nn
            rounds: 5
            clients_per_round: 3
            min_clients: 3
            deadline_seconds: 120
            data: { clients: 3, train_samples: 6000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05, momentum: 0.5 }
            """);
        using var browser = BrowserDriver.Start(
            ("browser-0", $"{c.Url}/worker?token={job.JoinToken}&name=browser-0"),
            ("browser-1", $"{c.Url}/worker?token={job.JoinToken}&name=browser-1"),
            ("dashboard", $"{c.Url}/"));
        using var stop = new CancellationTokenSource();
        using var agent = new WorkerAgent(new WorkerOptions
        {
            Server = new Uri(c.Url), Token = job.JoinToken, Name = "dotnet-0", Runtime = new RuntimeOptions { IntraOpThreads = 1 },
            LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
        });
        var run = Task.Run(() => agent.RunAsync(stop.Token));

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed" || run.IsFaulted, TimeSpan.FromMinutes(8));
        if (run.IsFaulted) await run;
        Assert.True(done.Status == "completed", $"job ended {done.Status}: {done.Error}\n{browser.Errors}");

        // Rising accuracy: the global model learned from every round.
        var rounds = await c.Rounds(job.Id);
        Assert.Equal(5, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));
        double first = rounds[0].TestAccuracy!.Value, last = rounds[^1].TestAccuracy!.Value;
        Assert.True(last > first && last >= 0.85, $"test accuracy went {first:P2} -> {last:P2}");

        // Both kinds of worker had updates accepted, and the ledger credited them.
        var workers = await c.Workers();
        var ledger = await c.Ledger(job.Id);
        string RuntimeOf(string id) => workers.First(w => w.Id == id).Runtime;
        // A fresh tab's first task can be left out by an inconclusive audit (docs/TRUST.md): the tab then runs one more,
        // and the held credit is paid once a later audit passes, so a tab may have one paid task beyond its 5 counted.
        Assert.Equal(2, ledger.Count(l => RuntimeOf(l.WorkerId) == "browser" && l.Updates is 5 or 6));
        Assert.Single(ledger, l => RuntimeOf(l.WorkerId) == "dotnet" && l.Updates == 5);

        // The pages saw it too: tasks done, credits, charts; the dashboard lists the job as completed.
        double Credits(string name) => ledger.Single(l => l.Name == name).Credits;
        var state = await browser.WaitFor(s => s.GetProperty("browser-0").GetProperty("tasksDone").GetInt32() == 5
            && s.GetProperty("browser-1").GetProperty("tasksDone").GetInt32() == 5
            && Math.Abs(s.GetProperty("browser-0").GetProperty("credits").GetDouble() - Credits("browser-0")) < 1e-6
            && Math.Abs(s.GetProperty("browser-1").GetProperty("credits").GetDouble() - Credits("browser-1")) < 1e-6
            && s.GetProperty("dashboard").GetProperty("jobs").EnumerateArray().Any(j => j.GetProperty("status").GetString() == "completed")
            && s.GetProperty("dashboard").GetProperty("ledger").EnumerateArray().Sum(l => l.GetProperty("updates").GetInt32()) == ledger.Sum(l => l.Updates),
            TimeSpan.FromSeconds(30), "pages showing the finished job");
        foreach (var page in new[] { "browser-0", "browser-1" })
        {
            var p = state.GetProperty(page);
            Assert.Equal(5, p.GetProperty("tasksDone").GetInt32());
            Assert.True(p.GetProperty("samplesPerSecond").GetDouble() > 0);
            Assert.Equal(0, p.GetProperty("errors").GetArrayLength());
        }
        browser.Screenshot("browser-0", Path.Combine(RepoPaths.Artifacts, "worker-page.png"));
        browser.Screenshot("dashboard", Path.Combine(RepoPaths.Artifacts, "dashboard.png"));
        stop.Cancel();
        try { await run; } catch (OperationCanceledException) { }
    }
}
