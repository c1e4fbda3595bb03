using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tessera.Cli.Reports;
using Tessera.Protocol.Jobs;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>`tessera simulate job.yaml`: a federated job with virtual clients in this process, with progress, CSV and plot.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "job spec (YAML or JSON)" };
        var outDir = new Option<string?>("--out") { Description = "folder for metrics.csv and test-accuracy.png (default out/simulate/<job name>)" };
        var rounds = new Option<int?>("--rounds") { Description = "override the spec's rounds (a cap when target_accuracy is set)" };
        var parallel = new Option<int>("--parallel") { Description = "clients trained at once (one single-threaded ONNX Runtime session each)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var steps = new Option<int>("--steps-per-call") { Description = "optimizer steps per artifact call (K)", DefaultValueFactory = _ => 50 };
        var resume = new Option<bool>("--resume") { Description = "continue from the checkpoint in the output folder (written every --checkpoint-every rounds)" };
        var every = new Option<int>("--checkpoint-every") { Description = "rounds between checkpoints (synchronous strategies)", DefaultValueFactory = _ => 5 };
        var set = new Option<string[]>("--set")
        {
            Description = "change a spec field for this run, e.g. --set local.lr=0.02 --set seed=2 (repeatable; the default output folder names the changes)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var cmd = new Command("simulate", "Run a federated job spec with virtual clients in one process (paper reproductions, strategy comparisons)")
        {
            job, outDir, rounds, parallel, steps, resume, every, set,
        };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(job)!, pr.GetValue(outDir), pr.GetValue(rounds), pr.GetValue(parallel), pr.GetValue(steps),
            pr.GetValue(resume), pr.GetValue(every), pr.GetValue(set) ?? [])));
        return cmd;
    }

    static int Run(string jobPath, string? outDir, int? rounds, int parallel, int stepsPerCall, bool resume, int checkpointEvery, string[] set)
    {
        CliOptions.Require(checkpointEvery >= 1, "--checkpoint-every", "must be at least 1");
        CliOptions.Require(rounds is null or >= 1, "--rounds", "must be at least 1");
        CliOptions.Require(parallel >= 1, "--parallel", "must be at least 1");
        CliOptions.Require(stepsPerCall >= 1, "--steps-per-call", "must be at least 1");
        var overrides = CliOptions.Overrides(set);
        var spec = JobSpecParser.Load(jobPath, overrides);
        // A changed run gets its own folder by default, so it never overwrites (or resumes) the unchanged run's results.
        outDir ??= Path.Combine("out", "simulate", spec.Name + string.Concat(overrides.Select(o => "_" + o.Label)));
        var csvPath = Path.Combine(outDir, "metrics.csv");
        var checkpointPath = Path.Combine(outDir, "checkpoint.safetensors");
        SimulationCheckpoint? from = null;
        if (resume)
        {
            CliOptions.Require(File.Exists(checkpointPath), "--resume", $"no checkpoint at {checkpointPath}");
            from = SimulationCheckpoint.FromBytes(File.ReadAllBytes(checkpointPath));
            CliOptions.Require(from.SpecDigest == SimulationCheckpoint.Digest(spec), "--resume",
                $"{checkpointPath} belongs to a different job spec (only rounds and target_accuracy may change)");
            AnsiConsole.MarkupLine($"resuming after round {from.Round} from {checkpointPath}");
        }
        MetricsCsv csv = null!;   // opened once the spec, model and data proved valid: a refused run writes nothing

        ProgressTask? bar = null;
        var options = new SimulationOptions
        {
            Parallelism = parallel,
            Rounds = rounds,
            StepsPerCall = stepsPerCall,
            ResumeFrom = from,
            CheckpointEvery = checkpointEvery,
            Events = new SimulationEvents
            {
                RoundStarted = (r, selected) => { if (bar is { } b) { b.Description = $"round {r}"; b.MaxValue = Math.Max(1, selected); b.Value = 0; } },
                ClientDone = (_, done, _) => { if (bar is { } b) b.Value = done; },
                Checkpoint = c => Tessera.Coordinator.Storage.BlobStore.WriteAtomic(checkpointPath, c.ToBytes()),
                RoundFinished = m =>
                {
                    csv.Write(m);
                    if (m.TestAccuracy is { } acc)
                        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                            $"round {m.Round,5}  test acc [bold]{acc:P2}[/]  test loss {m.TestLoss:F4}  train loss {(double.IsNaN(m.MeanTrainLoss) ? "-" : m.MeanTrainLoss.ToString("F4", CultureInfo.InvariantCulture))}  clients {m.Clients}{(m.Dropped > 0 ? $" (+{m.Dropped} dropped)" : "")}  sim {m.SimulatedSeconds:F0}s  wall {m.WallSeconds:F1}s{string.Concat((m.Metrics ?? new Dictionary<string, double>()).Select(kv => $"  {kv.Key} {kv.Value:G4}"))}{(m.Attack is null ? "" : $"  {m.Attack} ×{m.Byzantine}")}{(m.AttackSuccessRate is { } asr ? $"  attack success {asr:P1}" : "")}{(m.Privacy is { } dp ? $"  ε {dp.Epsilon:G4} clip {dp.Clip:G3}" : "")}"));
                },
            },
        };

        using var sim = new Simulator(spec, options with { BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(jobPath))! });
        Directory.CreateDirectory(outDir);
        using var csvFile = csv = new MetricsCsv(csvPath, sim.MetricNames, attack: sim.Attack is not null, robust: sim.Robust is not null, privacy: sim.Plan.Privacy is not null);
        foreach (var m in from?.Rounds ?? []) csv.Write(m);   // the curve so far, then the new rounds
        AnsiConsole.MarkupLine($"[bold]{spec.Name}[/]: {sim.Strategy.Name} ({spec.Strategy.Name}), model {sim.Model.Name} ({sim.Model.ParameterCount:N0} parameters), " +
                               $"{spec.Data.Dataset} {spec.Data.Partition} over {sim.Available.Count:N0} clients, E={spec.Local.Epochs} " +
                               $"B={(spec.Local.BatchSize == 0 ? "full" : spec.Local.BatchSize)} lr={spec.Local.LearningRate}, up to {sim.Rounds} rounds, {parallel} workers");
        if (sim.Plan.Privacy is { } dpPlan)
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"privacy.dp {dpPlan.Spec.Mode}: noise multiplier {dpPlan.NoiseMultiplier:G6}{(dpPlan.Spec.NoiseMultiplier is null ? $" (solved for ε = {dpPlan.Spec.TargetEpsilon:G4} over {spec.Rounds} rounds)" : "")}, " +
                $"clip {dpPlan.Spec.Clip:G4}{(dpPlan.Spec.AdaptiveClip is null ? "" : " (adaptive)")}, δ = {dpPlan.Spec.Delta:g3}, {dpPlan.Spec.Sampling} sampling of {dpPlan.ExpectedClients} of {dpPlan.Population:N0} clients")));
        if (sim.Attack is { } attack)
            AnsiConsole.MarkupLine(Markup.Escape($"attack {attack.Name}: {attack.Byzantine.Count} of {sim.Available.Count} clients are Byzantine"));
        if (overrides.Count > 0) AnsiConsole.MarkupLine(Markup.Escape($"changed from {jobPath}: {string.Join(", ", overrides.Select(o => $"{o.Path}={o.Value}"))}; output in {outDir}"));
        SimulationResult result = null!;
        AnsiConsole.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                bar = ctx.AddTask("round 1", maxValue: 1);
                result = sim.Run();
                bar.Value = bar.MaxValue;
            });

        var evaluated = result.Rounds.Where(r => r.TestAccuracy is not null).ToArray();
        var pngPath = Path.Combine(outDir, "test-accuracy.png");
        CurvePlot.Save(pngPath, $"{spec.Name}: test accuracy", "round", "test accuracy", yMin: null, target: spec.TargetAccuracy,
            [(spec.Name, evaluated.Select(r => (double)r.Round).ToArray(), evaluated.Select(r => r.TestAccuracy!.Value).ToArray())]);

        var last = result.Rounds[^1];
        var table = new Table().AddColumns("rounds run", "rounds to target", "final test acc", "best test acc", "client updates", "client-rounds/s", "simulated time", "wall time");
        table.AddRow(last.Round.ToString(CultureInfo.InvariantCulture),
            spec.TargetAccuracy is { } t ? result.RoundsToTarget?.ToString(CultureInfo.InvariantCulture) ?? $"not reached ({t:P1})" : "-",
            result.FinalAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
            result.BestAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
            result.ClientUpdates.ToString("N0", CultureInfo.InvariantCulture),
            (result.ClientUpdates / result.WallSeconds).ToString("F1", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(last.SimulatedSeconds).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(result.WallSeconds).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        if (result.StoppedEarly is { } why) AnsiConsole.MarkupLineInterpolated($"stopped early: {why}");
        AnsiConsole.MarkupLine($"metrics {csvPath}, plot {pngPath}");
        return 0;
    }
}
