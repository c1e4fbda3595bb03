using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tessera.Cli.Reports;
using Tessera.Protocol.Jobs;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench robust`: aggregators × attacks (and "none") × seeds on one base job, in the simulator, for
/// docs/ROBUSTNESS.md. Each run's final-round accuracy goes to runs.csv as it finishes; runs already there with the
/// same spec digest and rounds are reused, so a grid stopped halfway (or widened later) continues where it was.
/// The summary (table.md, summary.csv) is rewritten from runs.csv after every run.
/// </summary>
internal static class RobustBench
{
    public static Command Create()
    {
        var job = new Option<string>("--job") { Description = "base job spec (YAML or JSON)", Required = true };
        var aggregators = new Option<string[]>("--aggregators")
        {
            Description = "strategy.aggregator values: names, or label=YAML snippets, e.g. 'cc={name: centered_clip, momentum: 0.9}'",
            AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["mean", "median", "trimmed_mean", "krum", "geomed", "centered_clip", "norm_bound"],
        };
        var attacks = new Option<string[]>("--attacks")
        {
            Description = "simulation.attack values: none (clean), names, or label=YAML snippets, e.g. 'ipm4={name: ipm, epsilon: 4}'",
            AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["none", "sign_flip", "alie", "ipm"],
        };
        var seeds = new Option<int[]>("--seeds") { Description = "job seeds (each changes partition, selection, init and attackers)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1, 2, 3] };
        var rounds = new Option<int?>("--rounds") { Description = "override the spec's rounds" };
        var byzantine = new Option<int?>("--byzantine") { Description = "Byzantine clients f for every attack (default: the base spec's attack count or fraction)" };
        var outDir = new Option<string>("--out") { Description = "folder for runs.csv, summary.csv and table.md", DefaultValueFactory = _ => Path.Combine("out", "bench", "robust") };
        var parallel = new Option<int>("--parallel") { Description = "clients trained at once per run", DefaultValueFactory = _ => Environment.ProcessorCount };
        var set = new Option<string[]>("--set") { Description = "change a base spec field, as for simulate (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("robust", "Accuracy of robust aggregators under the attack suite: a grid of simulated runs, table in markdown and CSV")
        {
            job, aggregators, attacks, seeds, rounds, byzantine, outDir, parallel, set,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            CliOptions.Require(pr.GetValue(rounds) is null or >= 1, "--rounds", "must be at least 1");
            CliOptions.Require(pr.GetValue(parallel) >= 1, "--parallel", "must be at least 1");
            CliOptions.Require(pr.GetValue(byzantine) is null or >= 0, "--byzantine", "must be 0 or more");
            var seedList = pr.GetValue(seeds)!;
            CliOptions.Require(seedList.Length > 0 && seedList.All(s => s >= 0) && seedList.Distinct().Count() == seedList.Length, "--seeds", "give distinct seeds, 0 or more");
            var grid = new Grid(pr.GetValue(job)!, GridEntry.ParseAll(pr.GetValue(aggregators)!, "--aggregators"), GridEntry.ParseAll(pr.GetValue(attacks)!, "--attacks"),
                seedList, pr.GetValue(rounds), pr.GetValue(byzantine), pr.GetValue(parallel), pr.GetValue(set) ?? []);
            return grid.Run(pr.GetValue(outDir)!);
        }));
        return cmd;
    }

    sealed class Grid(string jobPath, IReadOnlyList<GridEntry> aggregators, IReadOnlyList<GridEntry> attacks, int[] seeds, int? rounds, int? byzantine,
        int parallel, string[] set)
    {
        readonly List<SpecOverride> _base = CliOptions.Overrides(set);

        /// <summary>The run's spec: the base with the aggregator, the attack (or none) and the seed; no early stop, so the final round is the last.</summary>
        JobSpec SpecFor(GridEntry aggregator, GridEntry attack, int seed, AttackSpec? baseAttack)
        {
            var o = new List<SpecOverride>(_base) { new("target_accuracy", ""), new("patience", ""), new("seed", seed.ToString(CultureInfo.InvariantCulture)),
                new("strategy.aggregator", aggregator.Yaml) };
            if (attack.IsNone) o.Add(new("simulation.attack", ""));
            else
            {
                o.Add(new("simulation.attack", attack.IsMapping ? attack.Yaml : $"{{name: {attack.Yaml}}}"));
                bool sized = attack.IsMapping && (attack.Yaml.Contains("count", StringComparison.Ordinal) || attack.Yaml.Contains("fraction", StringComparison.Ordinal));
                if (!sized)
                {
                    if (byzantine is { } f) o.Add(new("simulation.attack.count", f.ToString(CultureInfo.InvariantCulture)));
                    else if (baseAttack?.Count is { } c) o.Add(new("simulation.attack.count", c.ToString(CultureInfo.InvariantCulture)));
                    else if (baseAttack?.Fraction is { } fr) o.Add(new("simulation.attack.fraction", fr.ToString("R", CultureInfo.InvariantCulture)));
                    else throw new CliUsageException("--byzantine: the base spec has no simulation.attack count or fraction, so give f");
                }
            }
            try { return JobSpecParser.Load(jobPath, o); }
            catch (JobSpecException e) { throw new CliUsageException($"{aggregator.Label} × {attack.Label}: {e.Message}"); }
        }

        public int Run(string outDir)
        {
            CliOptions.Require(File.Exists(jobPath), "--job", $"no file {jobPath}");
            var baseSpec = JobSpecParser.Load(jobPath, _base);
            var cells = (from a in aggregators from t in attacks from s in seeds select (Aggregator: a, Attack: t, Seed: s)).ToList();
            // Every spec is built (and validated) before anything runs: a bad snippet fails at once, not an hour in.
            var specs = cells.Select(c => SpecFor(c.Aggregator, c.Attack, c.Seed, baseSpec.Simulation.Attack)).ToList();
            Directory.CreateDirectory(outDir);
            var runsPath = Path.Combine(outDir, "runs.csv");
            var done = ReadRuns(runsPath);
            int total = rounds ?? baseSpec.Rounds;
            using var runsFile = new StreamWriter(runsPath, append: true);
            if (runsFile.BaseStream.Length == 0) { runsFile.WriteLine(GridRun.CsvHeader); runsFile.Flush(); }
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(jobPath))!;
            var results = new List<GridRun>();
            int reused = 0;
            AnsiConsole.MarkupLine(Markup.Escape($"{baseSpec.Name}: {aggregators.Count} aggregators × {attacks.Count} attacks × {seeds.Length} seeds = {cells.Count} runs of {total} rounds, {parallel} workers; out {outDir}"));

            AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var bar = ctx.AddTask("runs", maxValue: cells.Count);
                    for (int i = 0; i < cells.Count; i++)
                    {
                        var (a, t, s) = cells[i];
                        var spec = specs[i];
                        string digest = SimulationCheckpoint.Digest(spec);
                        if (done.TryGetValue((a.Label, t.Label, (ulong)s, total, digest), out var old)) { results.Add(old); reused++; bar.Increment(1); continue; }
                        string what = $"{a.Label} × {t.Label} seed {s}";
                        var options = new SimulationOptions
                        {
                            Parallelism = parallel, Rounds = rounds, EvaluateInitialModel = false, BaseDirectory = baseDir,
                            Events = new SimulationEvents { RoundStarted = (r, _) => bar.Description = Markup.Escape($"{what}: round {r}/{total}") },
                        };
                        var run = RunOne(spec, options, a.Label, t.Label, total, digest);
                        results.Add(run);
                        runsFile.WriteLine(run.ToCsv());
                        runsFile.Flush();
                        WriteSummary(outDir, baseSpec, total, results);
                        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{what}: final acc {run.FinalAccuracy:P2} (best {run.BestAccuracy:P2}), {run.WallSeconds:F0}s")));
                        bar.Increment(1);
                    }
                    bar.Description = "runs";
                });
            var table = WriteSummary(outDir, baseSpec, total, results);
            if (reused > 0) AnsiConsole.MarkupLine($"{reused} runs reused from {Markup.Escape(runsPath)}");
            var shown = new Table().AddColumns(table.Header.Select(Markup.Escape).ToArray());
            foreach (var r in table.Rows()) shown.AddRow(r.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(shown);
            AnsiConsole.MarkupLine(Markup.Escape($"table {Path.Combine(outDir, "table.md")}, summary {Path.Combine(outDir, "summary.csv")}, runs {runsPath}"));
            return 0;
        }

        static GridRun RunOne(JobSpec spec, SimulationOptions options, string aggregator, string attack, int total, string digest)
        {
            using var sim = new Simulator(spec, options);
            var result = sim.Run();
            var trained = result.Rounds.Where(r => r.Round > 0).ToList();
            var robust = trained.Select(r => r.Robust).OfType<RobustRoundStats>().ToList();
            static double? Mean(IEnumerable<double?> xs) => xs.OfType<double>().ToArray() is { Length: > 0 } v ? v.Average() : null;
            // Final round, not best: a defence that lets the model be knocked down late should show it.
            return new GridRun(aggregator, attack, spec.Seed, total, digest, result.Rounds[^1].TestAccuracy ?? double.NaN, result.BestAccuracy ?? double.NaN,
                robust.Count == 0 ? 0 : robust.Average(r => r.Excluded), Mean(robust.Select(r => r.ByzantineShare)), Mean(robust.Select(r => r.HonestShare)),
                result.WallSeconds, sim.EvaluateValidation(result.Final.Weights)?.Accuracy);
        }

        RobustGridTable WriteSummary(string outDir, JobSpec baseSpec, int total, List<GridRun> results)
        {
            var table = new RobustGridTable(aggregators.Select(a => a.Label).ToList(), attacks.Select(t => t.Label).ToList(), results);
            var legend = string.Join("\n", aggregators.Where(a => a.Label != a.Yaml).Select(a => $"- `{a.Label}`: `{a.Yaml}`")
                .Concat(attacks.Where(t => t.Label != t.Yaml).Select(t => $"- `{t.Label}`: `{t.Yaml}`")));
            File.WriteAllText(Path.Combine(outDir, "table.md"),
                $"Final-round test accuracy (%), mean ± std over seeds {string.Join(", ", seeds)}; {baseSpec.Name}, {total} rounds" +
                (set.Length > 0 ? $", with {string.Join(", ", set)}" : "") + ".\n\n" + table.ToMarkdown() + (legend.Length > 0 ? "\n" + legend + "\n" : ""));
            File.WriteAllText(Path.Combine(outDir, "summary.csv"), table.ToCsv());
            if (results.Any(r => r.ValidationAccuracy is not null)) WriteSelection(outDir, baseSpec, total, results);
            return table;
        }

        /// <summary>
        /// With a validation split: each family's setting chosen by its worst case on validation (<see cref="RobustSelection"/>),
        /// and the chosen settings' test accuracy, in selected.md; the validation grid itself in validation.md.
        /// </summary>
        void WriteSelection(string outDir, JobSpec baseSpec, int total, List<GridRun> results)
        {
            var labels = aggregators.Select(a => a.Label).ToList();
            var attackLabels = attacks.Select(t => t.Label).ToList();
            var validation = new RobustGridTable(labels, attackLabels, results, r => r.ValidationAccuracy);
            var chosen = RobustSelection.Choose(validation);
            var test = new RobustGridTable(chosen.Select(c => c.Chosen).ToList(), attackLabels, results);
            string what = $"{baseSpec.Name}, {total} rounds, seeds {string.Join(", ", seeds)}, {baseSpec.Simulation.ValidationSamples} validation samples held out of training";
            File.WriteAllText(Path.Combine(outDir, "validation.md"), $"Final-round validation accuracy (%); {what}.\n\n" + validation.ToMarkdown());
            File.WriteAllText(Path.Combine(outDir, "selected.md"),
                $"Test accuracy (%) of each family's setting chosen by its worst case on validation; {what}.\n\n" + test.ToMarkdown() + "\n" +
                string.Join("\n", chosen.Select(c => string.Create(CultureInfo.InvariantCulture,
                    $"- `{c.Family}`: `{c.Chosen}` of {labels.Count(l => RobustSelection.Family(l) == c.Family)} (validation worst case {100 * c.ValidationWorst.Mean:F1})"))) + "\n");
        }

        static Dictionary<(string, string, ulong, int, string), GridRun> ReadRuns(string path)
        {
            var runs = new Dictionary<(string, string, ulong, int, string), GridRun>();
            if (!File.Exists(path)) return runs;
            foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0))
            {
                var r = GridRun.FromCsv(line);
                runs[(r.Aggregator, r.Attack, r.Seed, r.Rounds, r.Digest)] = r;
            }
            return runs;
        }
    }
}
