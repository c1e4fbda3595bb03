using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tessera.Coordinator;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;
using Tessera.Protocol.Jobs;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench audit`: honest .NET workers and browser tabs train a job while the coordinator replays their
/// tasks. With --calibrate every task is replayed (the calibration of the replay tolerance: how far honest
/// claims land from the replay, per runtime, and whether any honest task would fail); without it the job runs at
/// the default audit policy and the figure is verification's overhead: replayed training as a share of all
/// training, and the replay latency per task.
/// </summary>
internal static class AuditBench
{
    public static Command Create()
    {
        var tasks = new Option<int>("--tasks") { Description = "training tasks to run (about; whole rounds)", DefaultValueFactory = _ => 1000 };
        var dotnet = new Option<int>("--workers") { Description = ".NET workers (in this process)", DefaultValueFactory = _ => 2 };
        var browsers = new Option<int>("--browsers") { Description = "browser tabs in headless Chromium (0: none)", DefaultValueFactory = _ => 2 };
        var model = new Option<string>("--model") { Description = "zoo model (logreg, 2nn, cnn)", DefaultValueFactory = _ => "2nn" };
        var calibrate = new Option<bool>("--calibrate") { Description = "replay every task (calibration) instead of the default audit policy" };
        var epochs = new Option<int>("--epochs") { Description = "local epochs per task (each shard has 300 samples: 30 steps an epoch)", DefaultValueFactory = _ => 1 };
        var chromium = new Option<string>("--chromium") { Description = "browser executable", DefaultValueFactory = _ => "/usr/bin/chromium" };
        var cmd = new Command("audit", "Replay audits on an honest fleet: the calibration of the tolerance (--calibrate) or verification overhead at the default policy")
        {
            tasks, dotnet, browsers, model, calibrate, chromium, epochs,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int t = pr.GetValue(tasks), w = pr.GetValue(dotnet), b = pr.GetValue(browsers);
            CliOptions.Require(t >= 1, "--tasks", "must be at least 1");
            CliOptions.Require(w >= 0 && b >= 0 && w + b >= 1, "--workers", "with --browsers, at least one worker");
            int e = pr.GetValue(epochs);
            CliOptions.Require(e is >= 1 and <= 1000, "--epochs", "must be 1..1000");
            return Run(t, w, b, pr.GetValue(model)!, pr.GetValue(calibrate), pr.GetValue(chromium)!, e).GetAwaiter().GetResult();
        }));
        return cmd;
    }

    static async Task<int> Run(int tasks, int dotnetWorkers, int browsers, string model, bool calibrate, string chromium, int epochs)
    {
        string? web = null;
        if (browsers > 0)
        {
            if (!File.Exists(chromium)) throw new FileNotFoundException($"{chromium} not found: run scripts/fetch-deps.sh (installs Debian's chromium)");
            web = WebAssets.Locate() ?? throw new DirectoryNotFoundException("web/ not found; run from the repository");
        }
        int perRound = dotnetWorkers + browsers;
        int rounds = (tasks + perRound - 1) / perRound;
        var temp = Directory.CreateTempSubdirectory("tessera-bench-").FullName;
        var host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = temp, AdminKey = Guid.NewGuid().ToString(), Port = 0, Quiet = true, EvalSamples = 1000, SelectionWindow = TimeSpan.FromMilliseconds(200),
        });
        await host.StartAsync();
        try
        {
            // Calibration replays every task and fails none (tolerance 1), so every honest task's distance is recorded.
            string verification = calibrate ? "verification: { trusted_after: 1000000000, tolerance: 1, fail_above: 1 }" : "";
            var job = host.Jobs.Create($"""
                name: audit-bench
                model: {model}
                rounds: {rounds}
                clients_per_round: {perRound}
                min_clients: 1
                eval_every: {Math.Max(1, rounds / 10)}
                data: {"{"} clients: 20, train_samples: 6000 {"}"}
                local: {"{"} epochs: {epochs}, batch_size: 10, lr: 0.05, momentum: 0.5 {"}"}
                {verification}
                """);
            var workers = new List<(WorkerAgent Agent, Task Run)>();
            using var stop = new CancellationTokenSource();
            for (int i = 0; i < dotnetWorkers; i++)
            {
                var agent = new WorkerAgent(new WorkerOptions
                {
                    Server = new Uri(host.BaseUrl), Token = job.JoinToken, Name = $"dotnet-{i + 1}", ReportedSpeed = 0,
                    Runtime = new RuntimeOptions { IntraOpThreads = 1 }, LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
                });
                workers.Add((agent, Task.Run(() => agent.RunAsync(stop.Token))));
            }
            using var tabs = web is null ? null
                : BrowserDriver.Start(web, chromium, Enumerable.Range(1, browsers).Select(i => ($"browser-{i}", $"{host.BaseUrl}/worker?token={job.JoinToken}&name=browser-{i}")));
            var watch = Stopwatch.StartNew();
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask($"{rounds} rounds of {perRound} tasks", maxValue: rounds);
                    while (true)
                    {
                        var s = await job.Grain.Snapshot();
                        bar.Value = s.Version;
                        if (s.Status is "completed" or "failed" or "cancelled") break;
                        await Task.Delay(500);
                    }
                });
            stop.Cancel();
            foreach (var w in workers) { try { await w.Run; } catch (OperationCanceledException) { } w.Agent.Dispose(); }
            var status = await job.Grain.Snapshot();
            Report(host.Store, job.Id, model, calibrate, watch.Elapsed, status.LastAccuracy, job.Setup.Spec.Verification);
            return status.Status == "completed" ? 0 : 1;
        }
        finally
        {
            await host.DisposeAsync();
            try { Directory.Delete(temp, true); } catch (IOException) { }
        }
    }

    static void Report(Store store, string jobId, string model, bool calibrate, TimeSpan elapsed, double? accuracy, VerificationSpec spec)
    {
        var audits = store.Audits(jobId);
        long accepted = store.AcceptedUpdates(jobId);
        var rows = new List<string[]>();
        foreach (var group in audits.GroupBy(a => a.Runtime ?? "?").OrderBy(g => g.Key).Append(audits.GroupBy(_ => "all").Single()))
        {
            var errors = group.Select(a => a.RelativeError ?? double.PositiveInfinity).Order().ToList();
            var ms = group.Select(a => a.ReplayMs).Order().ToList();
            rows.Add([model, group.Key, group.Count().ToString(), group.Count(a => !a.Passed).ToString(),
                G(Reports.Quantiles.Of(errors, 0.5)), G(Reports.Quantiles.Of(errors, 0.99)), G(Reports.Quantiles.Of(errors, 0.999)), G(errors[^1]),
                errors.Count(e => e > 1e-3).ToString(), errors.Count(e => e > 1e-2).ToString(), group.Count(a => a.ChainMatches).ToString(),
                Reports.Quantiles.Of(ms, 0.5).ToString("F1", CultureInfo.InvariantCulture), Reports.Quantiles.Of(ms, 0.9).ToString("F1", CultureInfo.InvariantCulture)]);
        }
        string[] header = ["model", "runtime", "audited", "failed", "rel. error p50", "p99", "p99.9", "max", "> 1e-3", "> 1e-2", "chain bit-identical", "replay ms p50", "p90"];
        var table = new Table().AddColumns(header);
        foreach (var r in rows) table.AddRow(r);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{accepted} tasks accepted, {audits.Count} replayed ({(double)audits.Count / Math.Max(1, accepted):P1} of the training compute), " +
            $"tolerance {spec.Tolerance:G3}, policy {(calibrate ? "replay every task" : $"trusted_after {spec.TrustedAfter}, min_rate {spec.MinRate:G3}")}; final accuracy {accuracy:P2}; {elapsed.TotalSeconds:F0} s");
        Console.WriteLine();
        Console.WriteLine($"| {string.Join(" | ", header)} |");
        Console.WriteLine($"|{string.Concat(Enumerable.Repeat("---|", header.Length))}");
        foreach (var r in rows) Console.WriteLine($"| {string.Join(" | ", r)} |");
        // Where the largest honest distances came from: late rounds have small updates, so float noise weighs more.
        Console.WriteLine();
        Console.WriteLine("largest distances: round, runtime, relative error");
        foreach (var a in audits.OrderByDescending(a => a.RelativeError ?? double.PositiveInfinity).Take(8))
            Console.WriteLine($"  {a.Round,5}  {a.Runtime,-8} {G(a.RelativeError ?? double.PositiveInfinity)}");
    }

    static string G(double v) => double.IsFinite(v) ? v.ToString("G3", CultureInfo.InvariantCulture) : "∞";
}
