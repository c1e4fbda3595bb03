using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Browser.Tests;

/// <summary>
/// A secure round (privacy.secure_aggregation) of two browser tabs and two .NET workers: their masks cancel only if
/// the browser's SecAgg+ (web/src/secagg/) matches the .NET one bit for bit, and the tabs never upload in the clear.
/// One job is FedNova on shards of very different sizes, so every party also scales its update by the round's
/// reference steps over its own before masking (plain FedAvg is the same path without that scaling). The other is
/// SCAFFOLD on label-skewed shards: every party masks its control-variate delta beside its update, keeps c_i itself,
/// and asks whether the round counted it before it keeps the new one. FedBuff runs the same stages per buffer.
/// </summary>
[Collection("browser")]
public sealed class BrowserSecureAggregationTests(ITestOutputHelper output)
{
    const int Rounds = 3;

    [Theory]
    [InlineData("fednova", "quantity", 0.75, null)]
    [InlineData("scaffold", "pathological", 0.6, null)]
    // Distributed DP: the tabs and the .NET workers add Skellam shares to their masked words (noise on the mean z·C/m = 0.005).
    [InlineData("fedavg", "iid", 0.75, "dp: { mode: distributed, noise_multiplier: 0.01, clip: 2 }")]
    // FedBuff masks per buffer: each server step is one buffer of all four, handed out together from one version.
    [InlineData("fedbuff", "iid", 0.75, null)]
    public async Task Two_browser_tabs_and_two_dotnet_workers_train_with_secure_aggregation_and_the_tabs_never_upload_in_the_clear(
        string strategy, string partition, double accuracy, string? dp)
    {
        await using var c = await TestCoordinator.Start();
        bool scaffold = strategy == "scaffold";
        var job = await c.CreateJob($$"""
            name: browser-secagg-{{strategy}}
            model: logreg
            rounds: {{Rounds}}
            clients_per_round: 4
            min_clients: 4
            deadline_seconds: 180
            data: { clients: 4, train_samples: 4000, partition: {{partition}} }
            strategy: { name: {{strategy}}{{(strategy == "fedbuff" ? ", buffer_size: 4" : "")}} }
            local: { epochs: 1, batch_size: 20, lr: 0.1 }
            verification: { replay: off }
            privacy: { secure_aggregation: { {{(dp is null ? "clip: 100, " : "")}}stage_seconds: 30 }{{(dp is null ? "" : ", " + dp)}} }
            """);
        using var browser = BrowserDriver.Start(
            ("tab-0", $"{c.Url}/worker?token={job.JoinToken}&name=tab-0"),
            ("tab-1", $"{c.Url}/worker?token={job.JoinToken}&name=tab-1"));
        using var stop = new CancellationTokenSource();
        var agents = Enumerable.Range(0, 2).Select(i => new WorkerAgent(new WorkerOptions
        {
            Server = new Uri(c.Url), Token = job.JoinToken, Name = $"dotnet-{i}", Runtime = new RuntimeOptions { IntraOpThreads = 1 },
            LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
        })).ToList();
        var runs = agents.Select(a => Task.Run(() => a.RunAsync(stop.Token))).ToList();
        try
        {
            var done = await c.WaitFor(job.Id, s => s.Status is "completed" or "failed" || runs.Any(r => r.IsFaulted), TimeSpan.FromMinutes(8));
            foreach (var r in runs.Where(r => r.IsFaulted)) await r;
            Assert.True(done.Status == "completed", $"job ended {done.Status}: {done.Error}\n{browser.Errors}");

            // Every round summed all four masked updates; a mask left in (a browser PRG, key or sign off by a bit)
            // would leave noise uniform over Z_2^b in the sum and the model at chance (10 %).
            var rounds = await c.Rounds(job.Id);
            output.WriteLine($"test accuracy by round: {string.Join(", ", rounds.Select(r => $"{r.TestAccuracy:P2}"))}");
            Assert.Equal(Rounds, rounds.Count);
            Assert.All(rounds, r => Assert.Equal(4, r.Updates));
            Assert.True(rounds[^1].TestAccuracy >= accuracy, $"test accuracy after {Rounds} secure rounds: {rounds[^1].TestAccuracy:P2}");
            if (dp is not null)
                Assert.All(rounds, r =>
                {
                    var m = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics!)!;
                    Assert.InRange(m["dp_noise_std"], 0.01 * 2 / 4.0, 0.01 * 2 / 4.0 * 1.01);   // z·(C + √d·Δ)/m: the workers' shares, not the server's
                    Assert.True(m["epsilon"] > 0);
                });
            var workers = await c.Workers();
            var ledger = await c.Ledger(job.Id);
            string RuntimeOf(string id) => workers.First(w => w.Id == id).Runtime;
            Assert.Equal(2, ledger.Count(l => RuntimeOf(l.WorkerId) == "browser" && l.Updates == Rounds));
            Assert.Equal(2, ledger.Count(l => RuntimeOf(l.WorkerId) == "dotnet" && l.Updates == Rounds));

            var state = await browser.WaitFor(s => s.GetProperty("tab-0").GetProperty("secure").GetProperty("tasks").GetInt32() == Rounds
                && s.GetProperty("tab-1").GetProperty("secure").GetProperty("tasks").GetInt32() == Rounds, TimeSpan.FromSeconds(30), "the tabs counting their secure tasks");
            foreach (var page in new[] { "tab-0", "tab-1" })
            {
                var p = state.GetProperty(page);
                Assert.Equal(Rounds, p.GetProperty("tasksDone").GetInt32());
                Assert.Equal(0, p.GetProperty("uploads").GetArrayLength());
                Assert.Equal(0, p.GetProperty("errors").GetArrayLength());
                Assert.Equal("done", p.GetProperty("secure").GetProperty("stage").GetString());
            }

            // What the tabs sent: every stage of every round, and never a /result upload.
            var sent = browser.Requests();
            Assert.DoesNotContain(sent, r => r.Url.AbsolutePath.EndsWith("/result", StringComparison.Ordinal));
            var stagePosts = new Regex("^/api/v1/tasks/[^/]+/secagg/(keys|shares|input|unmask)$");
            var stageGets = new Regex("^/api/v1/tasks/[^/]+/secagg/(neighbours|shares|unmask)$");
            foreach (var page in new[] { "tab-0", "tab-1" })
                foreach (var stage in new[] { "keys", "shares", "input", "unmask" })
                    Assert.Equal(Rounds, sent.Count(r => r.Page == page && r.Method == "POST" && stagePosts.IsMatch(r.Url.AbsolutePath) && r.Url.AbsolutePath.EndsWith("/" + stage, StringComparison.Ordinal)));
            Assert.All(sent.Where(r => r.Url.AbsolutePath.Contains("/secagg/", StringComparison.Ordinal)), r =>
                Assert.True(r.Method == "POST" ? stagePosts.IsMatch(r.Url.AbsolutePath) : stageGets.IsMatch(r.Url.AbsolutePath) && r.Url.Query == "?wait=20", $"{r.Method} {r.Url}"));
            // A masked input is the model's words (twice with SCAFFOLD's Δc_i) plus two lanes, 4 bytes each, base64 in JSON.
            int words = (scaffold ? 2 * 7850 : 7850) + 2;
            var input = sent.First(r => r.Method == "POST" && r.Url.AbsolutePath.EndsWith("/secagg/input", StringComparison.Ordinal));
            Assert.InRange(input.Body.Length, 4 * words * 4 / 3, 4 * words * 4 / 3 + 400);
            // SCAFFOLD: a tab never fetches c_i from the coordinator (it holds none); it asks, at each next task, whether
            // the round before counted it.
            Assert.DoesNotContain(sent, r => Regex.IsMatch(r.Url.AbsolutePath, "^/api/v1/controls/[^/]+/[0-9]+/workers/"));
            var asked = new Regex("^/api/v1/controls/[^/]+/rounds/([0-9]+)/workers/[^/]+$");
            foreach (var page in new[] { "tab-0", "tab-1" })
                Assert.Equal(scaffold ? Enumerable.Range(1, Rounds - 1) : [],
                    sent.Where(r => r.Page == page && r.Method == "GET" && asked.IsMatch(r.Url.AbsolutePath))
                        .Select(r => int.Parse(asked.Match(r.Url.AbsolutePath).Groups[1].Value)).Order());
        }
        finally
        {
            stop.Cancel();
            foreach (var r in runs) try { await r; } catch (OperationCanceledException) { }
            foreach (var a in agents) a.Dispose();
        }
    }
}
