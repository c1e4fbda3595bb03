using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tessera.Federation;
using Tessera.Protocol.Jobs;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench aggregate`: how fast the server folds updates (GB/s of update bytes through RoundAggregator,
/// next to a plain memory copy of the same bytes measured in the same run), how many client-rounds per second
/// the simulator runs, and the peak memory of a simulation with 10,000 registered clients.
/// </summary>
internal static class AggregateBench
{
    public const int CnnParameters = 1_663_370;

    public static Command Create()
    {
        var length = new Option<int>("--length") { Description = "floats per update (default: the McMahan CNN)", DefaultValueFactory = _ => CnnParameters };
        var folds = new Option<int>("--folds") { Description = "updates folded per measurement", DefaultValueFactory = _ => 200 };
        var job = new Option<string>("--job") { Description = "job spec for the client-rounds/s figure", DefaultValueFactory = _ => "jobs/mnist-2nn-iid-fedavg-e1-b10.yaml" };
        var rounds = new Option<int>("--rounds") { Description = "rounds of --job to run", DefaultValueFactory = _ => 5 };
        var clients = new Option<int>("--clients") { Description = "registered clients for the memory figure", DefaultValueFactory = _ => 10_000 };
        var parallel = new Option<int>("--parallel") { Description = "simulation workers", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("aggregate", "Aggregation throughput (GB/s) vs a memory copy, simulated client-rounds/s, peak memory with many registered clients")
        {
            length, folds, job, rounds, clients, parallel,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int n = pr.GetValue(length), k = pr.GetValue(folds), registered = pr.GetValue(clients), workers = pr.GetValue(parallel);
            CliOptions.Require(n >= 1, "--length", "must be positive");
            CliOptions.Require(k >= 1, "--folds", "must be positive");
            CliOptions.Require(registered >= 1, "--clients", "must be positive");
            CliOptions.Require(workers >= 1, "--parallel", "must be positive");
            CliOptions.Require(pr.GetValue(rounds) >= 1, "--rounds", "must be positive");

            // Memory first, while the process holds nothing else: its peak is then the simulation's.
            var memory = ManyClients(registered, workers);
            var (foldGbps, copyGbps) = FoldThroughput(n, k);
            var spec = JobSpecParser.Load(pr.GetValue(job)!);
            var rate = ClientRoundsPerSecond(spec, pr.GetValue(rounds), workers);

            var table = new Table().AddColumns("measure", "value");
            table.AddRow($"fold {n:N0}-float updates (RoundAggregator, sample-weighted)", $"{foldGbps:F2} GB/s of updates ({foldGbps * 1e9 / (4.0 * n):N0} updates/s)");
            table.AddRow("memory copy of the same bytes (Span.CopyTo)", $"{copyGbps:F2} GB/s");
            table.AddRow("fold / copy", $"{foldGbps / copyGbps:P0}");
            table.AddRow($"simulate {spec.Name}, {rate.Rounds} rounds, {workers} workers", $"{rate.PerSecond:F1} client-rounds/s ({rate.Updates} client updates in {rate.Seconds:F1} s)");
            table.AddRow($"{registered:N0} registered clients ({memory.Description})",
                $"peak working set {memory.PeakWorkingSetMb:N0} MB, GC heap {memory.HeapMb:N0} MB, {memory.Trainers} trainers created");
            AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores, .NET {Environment.Version}[/]");
            AnsiConsole.Write(table);
            return 0;
        }));
        return cmd;
    }

    static (double FoldGbps, double CopyGbps) FoldThroughput(int length, int folds)
    {
        // A few distinct updates so the fold is not reading one cache-resident vector.
        var rng = new Random(1);
        var updates = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray();
        double bytes = 4.0 * length * folds;

        double Fold()
        {
            var agg = RoundAggregator.SampleWeighted(1, length, expectedBaseVersion: 0);
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < folds; i++) agg.Fold(new ClientUpdate($"c{i}", updates[i % updates.Length], 600 + i));
            double s = watch.Elapsed.TotalSeconds;
            agg.Finish();
            return bytes / s / 1e9;
        }

        var target = new float[length];
        double Copy()
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < folds; i++) updates[i % updates.Length].AsSpan().CopyTo(target);
            return bytes / watch.Elapsed.TotalSeconds / 1e9;
        }

        Fold(); Copy();   // warm-up (JIT, page faults)
        // Best of three, interleaved: both see the same machine state.
        double fold = 0, copy = 0;
        for (int r = 0; r < 3; r++) { fold = Math.Max(fold, Fold()); copy = Math.Max(copy, Copy()); }
        return (fold, copy);
    }

    static (double PerSecond, long Updates, double Seconds, int Rounds) ClientRoundsPerSecond(JobSpec spec, int rounds, int workers)
    {
        // No target: every requested round runs. Setup (data, compile) is excluded; the timed part is the rounds.
        using var sim = new Simulator(spec with { TargetAccuracy = null, EvalEvery = int.MaxValue },
            new SimulationOptions { Parallelism = workers, Rounds = rounds, EvaluateInitialModel = false });
        var result = sim.Run();
        return (result.ClientUpdates / result.WallSeconds, result.ClientUpdates, result.WallSeconds, rounds);
    }

    sealed record MemoryFigure(string Description, double PeakWorkingSetMb, double HeapMb, int Trainers);

    static MemoryFigure ManyClients(int clients, int workers)
    {
        int samples = 2 * clients;
        var spec = JobSpecParser.Parse($"""
            name: bench-many-clients
            model: logreg
            data: {"{"} dataset: synthetic, partition: iid, clients: {clients}, train_samples: {samples}, test_samples: 1000 {"}"}
            strategy: {"{"} name: scaffold {"}"}
            local: {"{"} epochs: 1, batch_size: 10, lr: 0.1 {"}"}
            clients_per_round: {Math.Min(clients, 100)}
            rounds: 3
            """);
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = workers }))
        {
            var result = sim.Run();
            GC.Collect();
            var info = GC.GetGCMemoryInfo();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            return new MemoryFigure($"logreg, SCAFFOLD, synthetic {samples:N0} samples, {Math.Min(clients, 100)} per round, 3 rounds",
                process.PeakWorkingSet64 / 1048576.0, info.HeapSizeBytes / 1048576.0, result.TrainersCreated);
        }
    }
}
