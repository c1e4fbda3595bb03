using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tessera.Cli.Reports;
using Tessera.Protocol.Jobs;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench codecs`: uploaded bytes and rounds to a job's target accuracy for each upload codec, in the
/// simulator (which applies each codec as workers encode and the coordinator decodes it), for docs/PERFORMANCE.md.
/// Bytes are the wire sizes of the simulated clients' real update files (gzipped when the codec says so), to the target. Runs go to runs.csv as they
/// finish and are reused when the spec is unchanged, so a long grid picks up where it stopped.
/// </summary>
internal static class CodecBench
{
    public static Command Create()
    {
        var jobs = new Option<string[]>("--jobs") { Description = "job specs with a target_accuracy (YAML or JSON)", Required = true, AllowMultipleArgumentsPerToken = true };
        var codecs = new Option<string[]>("--codecs")
        {
            Description = "upload values: codec names, or label=YAML snippets, e.g. 'topk10={codec: topk, fraction: 0.1}'",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["f32", "fp16", "bf16", "int8", "topk10={codec: topk, fraction: 0.1}", "topk1={codec: topk, fraction: 0.01}"],
        };
        var rounds = new Option<int?>("--rounds") { Description = "cap on rounds per run (default: the spec's rounds)" };
        var outDir = new Option<string>("--out") { Description = "folder for runs.csv and table.md", DefaultValueFactory = _ => Path.Combine("out", "bench", "codecs") };
        var parallel = new Option<int>("--parallel") { Description = "clients trained at once per run", DefaultValueFactory = _ => Environment.ProcessorCount };
        var set = new Option<string[]>("--set") { Description = "change a field of every job, as for simulate (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("codecs", "Upload bytes and rounds to the target accuracy per upload codec: simulated runs, table in markdown")
        {
            jobs, codecs, rounds, outDir, parallel, set,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            CliOptions.Require(pr.GetValue(rounds) is null or >= 1, "--rounds", "must be at least 1");
            CliOptions.Require(pr.GetValue(parallel) >= 1, "--parallel", "must be at least 1");
            var overrides = CliOptions.Overrides(pr.GetValue(set));
            var entries = GridEntry.ParseAll(pr.GetValue(codecs)!, "--codecs");
            return Run(pr.GetValue(jobs)!, entries, overrides, pr.GetValue(rounds), pr.GetValue(parallel), pr.GetValue(outDir)!);
        }));
        return cmd;
    }

    static int Run(string[] jobPaths, IReadOnlyList<GridEntry> codecs, List<SpecOverride> overrides, int? rounds, int parallel, string outDir)
    {
        // Every spec is built and validated before anything runs: a bad snippet fails at once, not an hour in.
        var cells = new List<(string Path, GridEntry Codec, JobSpec Spec)>();
        foreach (var path in jobPaths)
        {
            CliOptions.Require(File.Exists(path), "--jobs", $"no file {path}");
            foreach (var codec in codecs)
            {
                var o = new List<SpecOverride>(overrides) { new("upload", codec.IsMapping ? codec.Yaml : $"{{codec: {codec.Yaml}}}") };
                JobSpec spec;
                try { spec = JobSpecParser.Load(path, o); }
                catch (JobSpecException e) { throw new CliUsageException($"{Path.GetFileName(path)} × {codec.Label}: {e.Message}"); }
                CliOptions.Require(spec.TargetAccuracy is not null, "--jobs", $"{path} has no target_accuracy to count rounds and bytes to");
                cells.Add((path, codec, spec));
            }
        }
        Directory.CreateDirectory(outDir);
        var runsPath = Path.Combine(outDir, "runs.csv");
        var done = File.Exists(runsPath) ? File.ReadLines(runsPath).Skip(1).Where(l => l.Length > 0).Select(CodecRun.FromCsv).ToDictionary(r => (r.Job, r.Codec, r.Digest)) : [];
        using var runsFile = new StreamWriter(runsPath, append: true);
        if (runsFile.BaseStream.Length == 0) { runsFile.WriteLine(CodecRun.CsvHeader); runsFile.Flush(); }
        var results = new List<CodecRun>();
        AnsiConsole.MarkupLine(Markup.Escape($"{jobPaths.Length} jobs × {codecs.Count} codecs = {cells.Count} runs, {parallel} workers; out {outDir}"));
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask("runs", maxValue: cells.Count);
                foreach (var (path, codec, spec) in cells)
                {
                    int cap = rounds ?? spec.Rounds;
                    string digest = SimulationCheckpoint.Digest(spec) + "/" + cap.ToString(CultureInfo.InvariantCulture);
                    if (done.TryGetValue((spec.Name, codec.Label, digest), out var old)) { results.Add(old); bar.Increment(1); continue; }
                    string what = $"{spec.Name} × {codec.Label}";
                    var options = new SimulationOptions
                    {
                        Parallelism = parallel, Rounds = rounds, BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!,
                        Events = new SimulationEvents { RoundStarted = (r, _) => bar.Description = Markup.Escape($"{what}: round {r}/{cap}") },
                    };
                    using var sim = new Simulator(spec, options);
                    var result = sim.Run();
                    int? toTarget = result.RoundsToTarget;
                    var counted = result.Rounds.Where(r => r.Round > 0 && r.Round <= (toTarget ?? int.MaxValue)).ToList();
                    long updates = counted.Sum(r => (long)r.Clients), bytes = counted.Sum(r => r.UploadBytes);
                    var run = new CodecRun(spec.Name, codec.Label, digest, cap, toTarget, updates, updates == 0 ? 0 : bytes / updates, bytes,
                        result.FinalAccuracy ?? double.NaN, result.WallSeconds);
                    results.Add(run);
                    runsFile.WriteLine(run.ToCsv());
                    runsFile.Flush();
                    AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"{what}: {(toTarget is { } t ? $"target at round {t}" : $"target not reached in {cap} rounds")}, {run.BytesPerUpdate:N0} bytes per update, {run.WallSeconds:F0}s")));
                    File.WriteAllText(Path.Combine(outDir, "table.md"), CodecRun.ToMarkdown(results));
                    bar.Increment(1);
                }
                bar.Description = "runs";
            });
        var markdown = CodecRun.ToMarkdown(results);
        File.WriteAllText(Path.Combine(outDir, "table.md"), markdown);
        AnsiConsole.WriteLine(markdown);
        AnsiConsole.MarkupLine(Markup.Escape($"table {Path.Combine(outDir, "table.md")}, runs {runsPath}"));
        return 0;
    }
}
