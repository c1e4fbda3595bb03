using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Browser.Tests;

/// <summary>
/// replay: workers across runtimes: two browser tabs and a .NET worker re-run each other's audited tasks
/// (verification tasks committed under the original's ids). Every honest update passes, whoever re-ran it,
/// and the verifiers are paid for their re-runs.
/// </summary>
[Collection("browser")]
public sealed class BrowserVerificationTests
{
    // Two of the three workers train each round, so one is idle for the whole round and can verify. (With all three
    // training, on a fast machine they upload within one tick of each other and none shows idle: the coordinator
    // then replays every audit itself, which is correct but leaves nothing here to check.)
    [Fact]
    public async Task Browser_and_dotnet_workers_verify_each_others_tasks()
    {
        await using var c = await TestCoordinator.Start();
        var job = await c.CreateJob("""
            name: browser-verify
            model: 2nn
            rounds: 8
            clients_per_round: 2
            min_clients: 2
            deadline_seconds: 120
            data: { clients: 3, train_samples: 3000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05, momentum: 0.5 }
            verification: { replay: workers, trusted_after: 1 }
            """);
        using var browser = BrowserDriver.Start(
            ("browser-0", $"{c.Url}/worker?token={job.JoinToken}&name=browser-0"),
            ("browser-1", $"{c.Url}/worker?token={job.JoinToken}&name=browser-1"));
        using var stop = new CancellationTokenSource();
        using var agent = new WorkerAgent(new WorkerOptions
        {
            Server = new Uri(c.Url), Token = job.JoinToken, Name = "dotnet-0", Runtime = new RuntimeOptions { IntraOpThreads = 1 },
            LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
        });
        var run = Task.Run(() => agent.RunAsync(stop.Token));

        var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed" || run.IsFaulted, TimeSpan.FromMinutes(8));
        stop.Cancel();
        Assert.True(done.Status == "completed", $"job ended {done.Status}: {done.Error}\n{browser.Errors}");
        Assert.All(await c.Rounds(job.Id), r => Assert.Equal(2, r.Updates));   // no honest update left out

        var audits = c.Host.Store.Audits(job.Id);
        // No honest worker is ever caught, whoever re-ran its task (rare cross-runtime outliers may be inconclusive: left out, not punished).
        Assert.All(audits, a => Assert.True(a.Outcome != Tessera.Coordinator.Storage.AuditRow.FailedOutcome, $"{a.Runtime} task {a.TaskId}: {a.Outcome} {a.Reason}"));
        Assert.True(audits.Count(a => a.Passed) >= audits.Count - 1, string.Join("\n", audits.Where(a => !a.Passed).Select(a => $"{a.Runtime}: {a.Reason}")));
        var verifications = c.Host.Store.LedgerEntries(job.Id, null, 1000).Where(e => e.Reason == "verification").ToList();
        var names = c.Host.Store.Workers().ToDictionary(w => w.Id, w => w.Name);
        Assert.True(verifications.Count > 0, "no verification ran; audits:\n" + string.Join("\n", audits.Select(a => $"round {a.Round} {names.GetValueOrDefault(a.WorkerId)} ({a.Runtime}): {a.Outcome} {a.Reason}")));
        // A tab re-ran someone's task: the browser worker's verification path (committing under another worker's ids) works.
        Assert.True(verifications.Any(e => names[e.WorkerId].StartsWith("browser", StringComparison.Ordinal)),
            $"verifiers: {string.Join(", ", verifications.Select(e => names[e.WorkerId]))}");
    }
}
