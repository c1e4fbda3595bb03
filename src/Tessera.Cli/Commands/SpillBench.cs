using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench spill`: what a robust round costs the coordinator. n CNN-sized updates are written to a spill file
/// (as nodes do when they accept them) and each rule aggregates them through the memory map, as a round close does:
/// write GB/s, then per rule the time and the managed heap it leaves (the updates themselves are file-backed pages
/// the OS can drop, not heap). Rules quadratic in n (Krum, Bulyan, NNM) are not run where their time extrapolated
/// from the previous n exceeds --max-seconds; the table shows the extrapolation instead.
/// </summary>
internal static class SpillBench
{
    static readonly (string Label, AggregatorSpec Spec, bool Quadratic)[] Rules =
    [
        ("mean (buffered)", new() { Name = AggregatorSpec.Mean }, false),
        ("median", new() { Name = AggregatorSpec.Median }, false),
        ("trimmed_mean β 0.1", new() { Name = AggregatorSpec.TrimmedMean, Beta = 0.1 }, false),
        ("norm_bound (adaptive)", new() { Name = AggregatorSpec.NormBound }, false),
        ("centered_clip", new() { Name = AggregatorSpec.CenteredClip }, false),
        ("geomed", new() { Name = AggregatorSpec.GeoMed }, false),
        ("krum f 1", new() { Name = AggregatorSpec.Krum, F = 1 }, true),
        ("bulyan f 1", new() { Name = AggregatorSpec.Bulyan, F = 1 }, true),
    ];

    public static Command Create()
    {
        var length = new Option<int>("--length") { Description = "floats per update (default: the McMahan CNN)", DefaultValueFactory = _ => AggregateBench.CnnParameters };
        var counts = new Option<int[]>("--n") { Description = "cohort sizes", DefaultValueFactory = _ => [10, 100, 1000], AllowMultipleArgumentsPerToken = true };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "skip a rule whose extrapolated time exceeds this", DefaultValueFactory = _ => 120 };
        var dir = new Option<string>("--dir") { Description = "where the spill files go (needs n × length × 4 bytes free)", DefaultValueFactory = _ => Path.GetTempPath() };
        var cmd = new Command("spill", "Robust aggregation at the coordinator: spill write speed and each rule's time and heap per round, for cohorts of n CNN-sized updates")
        {
            length, counts, maxSeconds, dir,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int d = pr.GetValue(length);
            var ns = pr.GetValue(counts)!;
            double cap = pr.GetValue(maxSeconds);
            CliOptions.Require(d >= 1, "--length", "must be positive");
            CliOptions.Require(ns.Length > 0 && ns.All(n => n >= 2), "--n", "every cohort size must be at least 2");
            CliOptions.Require(cap > 0, "--max-seconds", "must be positive");
            var root = Directory.CreateDirectory(Path.Combine(pr.GetValue(dir)!, $"tessera-spill-bench-{Environment.ProcessId}")).FullName;
            try { Run(d, ns, cap, root); }
            finally { Directory.Delete(root, recursive: true); }
            return 0;
        }));
        return cmd;
    }

    static void Run(int d, int[] ns, double cap, string root)
    {
        var table = new Table().AddColumn("rule");
        foreach (int n in ns) table.AddColumn($"n = {n:N0}: s / heap MB");
        var cells = Rules.Select(_ => new List<string>()).ToList();
        var writes = new List<string>();
        var last = new double?[Rules.Length];
        int? lastN = null;
        AnsiConsole.Progress().Start(progress =>
        {
            foreach (int n in ns)
            {
                var task = progress.AddTask($"n = {n:N0}", maxValue: Rules.Length + 1);
                string path = Path.Combine(root, $"n{n}.f32");
                writes.Add(Write(path, n, d));
                task.Increment(1);
                using var set = new SpilledUpdateSet(d, [(path, Enumerable.Range(0, n).Select(i => new SpillEntry($"w{i}", 1)).ToList())]);
                for (int r = 0; r < Rules.Length; r++)
                {
                    var (_, spec, quadratic) = Rules[r];
                    double? predicted = last[r] is { } t && lastN is { } m ? t * Math.Pow((double)n / m, quadratic ? 2 : 1) : null;
                    if (spec.Name == AggregatorSpec.Bulyan && n < 4 * spec.Byzantine + 3) { cells[r].Add("needs n ≥ 4f+3"); last[r] = null; }
                    else if (predicted > cap) { cells[r].Add($"~{predicted:N0} s (extrapolated)"); last[r] = predicted; }
                    else
                    {
                        // The plain mean streams and never needs a spill; buffered here, it is the floor the other rules pay on top of.
                        var pipeline = RobustPlan.Create(spec, 1) ?? new Federation.Robust.RobustPipeline(new Federation.Robust.MeanAggregator());
                        GC.Collect();
                        long heapBefore = GC.GetTotalMemory(true);
                        var watch = Stopwatch.StartNew();
                        pipeline.Run(set, 1);
                        double seconds = watch.Elapsed.TotalSeconds;
                        long heap = GC.GetGCMemoryInfo().HeapSizeBytes - heapBefore;
                        cells[r].Add($"{seconds:F2} / {Math.Max(0, heap) / 1e6:N0}");
                        last[r] = seconds;
                    }
                    task.Increment(1);
                }
                lastN = n;
                File.Delete(path);
            }
        });
        for (int r = 0; r < Rules.Length; r++) table.AddRow([Rules[r].Label, .. cells[r]]);
        table.AddRow(["spill write (GB/s)", .. writes]);
        AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores, .NET {Environment.Version}; updates of {d:N0} floats ({d * 4 / 1e6:F1} MB)[/]");
        AnsiConsole.Write(table);
    }

    /// <summary>Appends n seeded updates as the nodes would, each flushed; returns the write rate.</summary>
    static string Write(string path, int n, int d)
    {
        var rng = new Random(n);
        var update = new float[d];
        var watch = Stopwatch.StartNew();
        using (var w = new SpillWriter(path, d))
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j += 97) update[j] = (float)(rng.NextDouble() - 0.5);
                w.Append($"w{i}", 1, update);
            }
        return $"{(double)n * d * 4 / 1e9 / watch.Elapsed.TotalSeconds:F2}";
    }
}
