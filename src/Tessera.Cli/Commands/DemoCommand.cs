using System.CommandLine;
using System.Security.Cryptography;
using Spectre.Console;
using Tessera.Coordinator;
using Tessera.Coordinator.Jobs;
using Tessera.Graphs.Interop;
using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera demo`: the whole system on one machine — a coordinator on embedded storage, three .NET workers
/// talking to it over loopback HTTP, one clearly labelled cheater (<see cref="DemoCheater"/>) beside them, and a
/// federated MNIST job, with live progress and per-round accuracy; the cheater is caught by replay, its update
/// never counted and its credit revoked, and the ledger shows granted, pending and revoked credit.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "train the small 2NN instead of the CNN (about a minute less)" };
        var rounds = new Option<int>("--rounds") { Description = "federated rounds", DefaultValueFactory = _ => 5 };
        var workers = new Option<int>("--workers") { Description = "local workers", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out") { Description = "folder for the coordinator's data and the exported model", DefaultValueFactory = _ => "out/demo" };
        var clean = new Option<bool>("--no-cheater") { Description = "leave out the cheating worker (a clean run to compare with)" };
        var epsilon = new Option<double?>("--dp-epsilon") { Description = "train with central differential privacy (DP-FedAvg) within this ε at δ = 1e-5; the noise is solved for it over the rounds" };
        var dpClip = new Option<double>("--dp-clip") { Description = "with --dp-epsilon: the L2 bound each update is clipped to", DefaultValueFactory = _ => 1 };
        var cmd = new Command("demo", "Run a coordinator, 3 local workers and one cheater, train MNIST federated over HTTP, and export the model")
        {
            quick, rounds, workers, outDir, clean, epsilon, dpClip,
        };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(quick), pr.GetValue(rounds), pr.GetValue(workers), pr.GetValue(outDir)!, !pr.GetValue(clean),
            pr.GetValue(epsilon) is { } e ? new DemoPrivacy(e, pr.GetValue(dpClip)) : null)));
        return cmd;
    }

    /// <summary>--dp-epsilon: the job's privacy block (central DP; replay audits still apply, as the server adds the noise).</summary>
    sealed record DemoPrivacy(double Epsilon, double Clip)
    {
        public const double Delta = 1e-5;
        public string Spec => FormattableString.Invariant($"privacy: {{ dp: {{ target_epsilon: {Epsilon}, clip: {Clip}, delta: {Delta} }} }}");
    }

    static int Run(bool quick, int rounds, int workerCount, string outDir, bool withCheater, DemoPrivacy? privacy)
    {
        CliOptions.Require(rounds >= 1, "--rounds", "must be at least 1");
        CliOptions.Require(workerCount is >= 1 and <= 16, "--workers", "must be 1..16");
        CliOptions.Require(privacy is null || (privacy.Epsilon > 0 && double.IsFinite(privacy.Epsilon)), "--dp-epsilon", "must be a positive number");
        CliOptions.Require(privacy is null || (privacy.Clip > 0 && double.IsFinite(privacy.Clip)), "--dp-clip", "must be a positive number");
        var dataDir = Path.GetFullPath(Path.Combine(outDir, "coordinator"));
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true); // each demo starts from an empty store
        var host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = dataDir, AdminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Port = 0, Quiet = true,
            SelectionWindow = TimeSpan.FromSeconds(1),
        });
        host.StartAsync().GetAwaiter().GetResult();
        try
        {
            string model = quick ? "2nn" : "cnn";
            var job = host.Jobs.Create($"""
                name: demo-{model}
                model: {model}
                rounds: {rounds}
                clients_per_round: {workerCount}
                min_clients: 1
                data: {"{"} clients: {workerCount}, train_samples: {(quick ? 30000 : 15000)} {"}"}
                local: {"{"} epochs: 1, batch_size: {(quick ? 20 : 50)}, lr: 0.05, momentum: 0.9 {"}"}
                {privacy?.Spec}
                """);
            var url = host.BaseUrl;
            AnsiConsole.MarkupLine($"[bold]coordinator[/] {url}  (data in {Markup.Escape(dataDir)})");
            AnsiConsole.MarkupLine($"  dashboard    {url}/");
            AnsiConsole.MarkupLine($"  join in a browser tab  {url}/worker?token={job.JoinToken}");
            AnsiConsole.MarkupLine($"  job status   {url}/api/v1/jobs/{job.Id}");
            AnsiConsole.MarkupLine($"  live events  {url}/api/v1/jobs/{job.Id}/events");
            AnsiConsole.MarkupLine($"  per round    {url}/api/v1/jobs/{job.Id}/metrics");
            AnsiConsole.MarkupLine($"  ledger       {url}/api/v1/ledger");
            AnsiConsole.MarkupLine($"  OpenAPI      {url}/api/v1/openapi.json    metrics {url}/metrics");
            AnsiConsole.MarkupLine($"[bold]{model}[/]: {job.Setup.Model.ParameterCount:N0} parameters, {(privacy is null ? "FedAvg" : "DP-FedAvg")} over {workerCount} workers, {rounds} rounds; join token [grey]{job.JoinToken}[/]");
            if (job.Setup.Plan.Privacy is { } plan)
                AnsiConsole.MarkupLine($"[bold]privacy[/]: updates clipped to {privacy!.Clip:G3}, noise multiplier z = {plan.NoiseMultiplier:G4} for ε ≤ {privacy.Epsilon:G4} at δ = {DemoPrivacy.Delta:G2} " +
                    $"(every worker in every round, so no amplification by sampling: noise σ = z·C/{workerCount} on each of the mean's {job.Setup.Model.ParameterCount:N0} coordinates)");

            var agents = new List<(WorkerAgent Agent, Task Run)>();
            using var stop = new CancellationTokenSource();
            var progress = new Dictionary<string, (int Done, int Total, int Round)>();
            var gate = new Lock();
            for (int i = 0; i < workerCount; i++)
            {
                var agent = new WorkerAgent(new WorkerOptions
                {
                    Server = new Uri(url), Token = job.JoinToken, Name = $"worker-{i + 1}", ReportedSpeed = 0,
                    Runtime = new RuntimeOptions { IntraOpThreads = Math.Max(1, Environment.ProcessorCount / workerCount) },
                });
                agent.Event += e =>
                {
                    lock (gate)
                    {
                        if (e is TaskStarted s) progress[s.WorkerName] = (0, s.Steps, s.Round);
                        else if (e is TaskProgress p && progress.TryGetValue(p.WorkerName, out var v)) progress[p.WorkerName] = (p.StepsDone, p.Steps, v.Round);
                    }
                };
                agents.Add((agent, Task.Run(() => agent.RunAsync(stop.Token))));
            }
            using var cheater = withCheater ? new DemoCheater(url, job.JoinToken) : null;
            var cheating = cheater is null ? Task.CompletedTask : Task.Run(() => cheater.RunAsync(stop.Token));
            if (cheater is not null) AnsiConsole.MarkupLine($"[red]+ 1 cheating worker[/] '{DemoCheater.Name}': uploads +1.0 in every element with full claimed steps and samples");

            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var overall = ctx.AddTask("rounds", maxValue: rounds);
                    var bars = Enumerable.Range(1, workerCount).ToDictionary(i => $"worker-{i}", i => ctx.AddTask($"worker-{i}", maxValue: 1));
                    while (true)
                    {
                        var snap = job.Grain.Snapshot().GetAwaiter().GetResult();
                        overall.Value = snap.Version;
                        var shown = new[] { snap.LastAccuracy is { } acc ? $"test acc {acc:P2}" : null, snap.Privacy is { } dp ? $"ε {dp.Epsilon:F2}" : null }.OfType<string>().ToList();
                        overall.Description = shown.Count > 0 ? $"rounds ({string.Join(", ", shown)})" : "rounds";
                        lock (gate)
                            foreach (var (name, p) in progress)
                            {
                                bars[name].MaxValue = Math.Max(1, p.Total);
                                bars[name].Value = p.Done;
                                bars[name].Description = $"{name} round {p.Round}";
                            }
                        if (snap.Status is not ("running" or "paused") || snap.Error is not null) break;   // paused with an error: every worker declined
                        Thread.Sleep(200);
                    }
                    foreach (var b in bars.Values) b.Value = b.MaxValue;
                });
            stop.Cancel();
            foreach (var (agent, run) in agents)
            {
                try { run.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
                agent.Dispose();
            }
            try { cheating.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
            var last = job.Grain.Snapshot().GetAwaiter().GetResult();
            if (last.Error is not null) throw new CliUsageException($"the job {last.Status}: {last.Error}");

            var table = new Table().AddColumns("round", "updates", "samples", "train loss", "test loss", "test acc", "aggregation ms", "seconds");
            foreach (var r in host.Store.Rounds(job.Id))
                table.AddRow(r.Round.ToString(), r.Updates.ToString(), r.Samples.ToString("N0"), $"{r.TrainLoss:F4}", $"{r.TestLoss:F4}",
                    $"{r.TestAccuracy:P2}", $"{r.AggregationMs:F1}", $"{r.DurationSeconds:F1}");
            AnsiConsole.Write(table);
            if (last.Privacy is { } spent) DemoReport.Privacy(host.Store, job.Id, spent);
            if (cheater is not null) DemoReport.Cheater(host.Store, job.Id, cheater);
            DemoReport.Ledger(host.Store, job.Id);

            var final = host.Blobs.LoadCheckpoint(job.Id, last.Version, job.Setup.Template);
            var onnx = Path.GetFullPath(Path.Combine(outDir, $"{job.Name}.onnx"));
            File.WriteAllBytes(onnx, InferenceExport.ToOnnx(job.Setup.Model, job.Setup.Template.WithValues(final.Weights)).ToBytes());
            AnsiConsole.MarkupLine($"final test accuracy [bold green]{last.LastAccuracy:P2}[/] after {final.Version} rounds; ONNX model {Markup.Escape(onnx)}");
            if (privacy is not null)
                AnsiConsole.MarkupLine($"[grey]DP-FedAvg's noise on the mean falls as 1/m with m clients per round: {workerCount} cannot outweigh it on {job.Setup.Model.ParameterCount:N0} coordinates. " +
                    "A real private job samples hundreds or thousands per round; `tessera privacy noise` plans one.[/]");
            return 0;
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
