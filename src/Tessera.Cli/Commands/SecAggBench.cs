using System.CommandLine;
using System.Diagnostics;
using System.Numerics.Tensors;
using Spectre.Console;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench secagg`: what SecAgg+ costs a round against a plain F32 upload and sum, for docs/PRIVACY.md.
/// n simulated clients (default k and t for n, q = 16 quantization bits) each mask a d-word input; a share of them
/// drops after sharing keys and before sending its masked input (the case that makes the server rebuild pairwise
/// masks). Per client: bytes up and down against the 4·d bytes of a plain upload; compute time. Server: its compute
/// time, against summing the same n F32 vectors. The round with clients working in parallel takes a client's
/// (mean) time plus the server's.
/// </summary>
internal static class SecAggBench
{
    public static Command Create()
    {
        var clients = new Option<int[]>("--clients") { Description = "cohort sizes n", DefaultValueFactory = _ => [10, 100, 1000], AllowMultipleArgumentsPerToken = true };
        var dim = new Option<int>("--dim") { Description = "coordinates per input (default: the McMahan CNN)", DefaultValueFactory = _ => AggregateBench.CnnParameters };
        var dropouts = new Option<double[]>("--dropouts") { Description = "share of clients dropping before the masked input", DefaultValueFactory = _ => [0, 0.1, 0.3], AllowMultipleArgumentsPerToken = true };
        var bits = new Option<int>("--bits") { Description = "quantization bits q (b = q + ⌈log2 n⌉ + 1 ≤ 32)", DefaultValueFactory = _ => 16 };
        var cmd = new Command("secagg", "Secure aggregation (SecAgg+): communication per client and round time against a plain F32 sum, for n simulated clients and dropouts")
        {
            clients, dim, dropouts, bits,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int d = pr.GetValue(dim), q = pr.GetValue(bits);
            var ns = pr.GetValue(clients)!;
            var drops = pr.GetValue(dropouts)!;
            CliOptions.Require(d >= 1, "--dim", "must be positive");
            CliOptions.Require(ns.Length > 0 && ns.All(n => n >= 3), "--clients", "every cohort needs at least 3 clients");
            CliOptions.Require(drops.Length > 0 && drops.All(f => f is >= 0 and < 1), "--dropouts", "each share must be in [0, 1)");
            CliOptions.Require(ns.All(n => SecureQuantizer.BitsFor(q, n) <= 32), "--bits", "q + ⌈log2 n⌉ + 1 must stay ≤ 32 for every n");
            Run(ns, drops, d, q);
            return 0;
        }));
        return cmd;
    }

    static void Run(int[] ns, double[] drops, int d, int q)
    {
        // Warm-up: the first round pays the JIT for every path, which would land on one client's time.
        SecAggSimulation.Run(SecAggPlan.Create("warm-up", 0, 5, 64, 20), c => new uint[64], SecAggDropouts.AtStage(5, 2, 0.2, 1), 1);
        // A round also trains: with d the McMahan CNN's, one local epoch of it (E = 1, B = 10, 600 samples) on this machine.
        double? epoch = d == AggregateBench.CnnParameters ? LocalEpochSeconds() : null;
        string[] headers = ["n", "k", "t", "b", "dropped", "up KB", "down KB", "traffic / 4d", "client s (mean)", "server s", "plain sum s", "round / plain",
            "with a local epoch: round / plain"];
        var table = new Table().AddColumns(headers);
        var rows = new List<string[]>();
        void Add(params string[] row)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
            rows.Add(row);
        }
        foreach (int n in ns)
        {
            double plain = PlainSum(n, d);
            foreach (double drop in drops)
            {
                var quantizer = new SecureQuantizer(1, q, n);
                var p = SecAggPlan.Create("bench", 1, n, d, quantizer.Bits, graphSeed: n);
                var dropouts = SecAggDropouts.AtStage(n, 2, drop, seed: n);
                GC.Collect();
                var run = SecAggSimulation.Run(p, c => Input(c, d, quantizer.Levels), dropouts, seed: n);
                if (run.Result is null)
                {
                    Add(n.ToString("N0"), p.Degree.ToString(), p.Threshold.ToString(), p.Bits.ToString(), $"{dropouts.BeforeMaskedInput.Count}", "failed: " + run.Failure!, "", "", "", "", "", "", "");
                    continue;
                }
                var survivors = run.Result.Survivors;
                double up = survivors.Average(c => (double)run.Traffic[c].Up), down = survivors.Average(c => (double)run.Traffic[c].Down);
                double clientMax = run.ClientTime.Values.Average(t => t.TotalSeconds), server = run.ServerTime.TotalSeconds;
                Add(n.ToString("N0"), p.Degree.ToString(), p.Threshold.ToString(), p.Bits.ToString(), $"{dropouts.BeforeMaskedInput.Count}",
                    (up / 1e3).ToString("N1"), (down / 1e3).ToString("N1"), ((up + down) / (4.0 * d)).ToString("F4"),
                    clientMax.ToString("F3"), server.ToString("F3"), plain.ToString("F3"), ((clientMax + server) / plain).ToString("F1"),
                    epoch is { } e ? ((e + clientMax + server) / (e + plain)).ToString("F2") : "n/a");
            }
        }
        AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores, .NET {Environment.Version}; d = {d:N0} coordinates, q = {q} bits; dropouts before the masked input[/]");
        // Also as Markdown, ready for docs/PRIVACY.md (the console table wraps on narrow terminals).
        Console.WriteLine("| " + string.Join(" | ", headers) + " |");
        Console.WriteLine("|" + string.Concat(headers.Select(_ => "---|")));
        foreach (var row in rows) Console.WriteLine("| " + string.Join(" | ", row) + " |");
        if (epoch is { } seconds)
            AnsiConsole.MarkupLine($"[grey]local epoch of the CNN (600 samples, batch 10, one call of 60 steps): {seconds:F3} s, added to both rounds (clients train in parallel; transfers not counted)[/]");
        AnsiConsole.Write(table);
    }

    /// <summary>Seconds of one McMahan CNN client update (E = 1, B = 10, 600 samples: 60 steps), median of three after a warm-up.</summary>
    static double LocalEpochSeconds()
    {
        const int Steps = 60, Batch = 10;
        var model = ModelZoo.Create("cnn");
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = Batch });
        return TrainingCallTime.Median(model, artifact, Steps, Batch, RuntimeOptions.Default);
    }

    /// <summary>A client's quantized input: seeded words below 2^q (their values do not change the cost).</summary>
    static uint[] Input(int client, int d, uint levels)
    {
        var words = new uint[d];
        ulong x = 0x9E3779B97F4A7C15ul * (ulong)client + 1;
        for (int i = 0; i < d; i++)
        {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            words[i] = (uint)(x % (levels + 1ul));
        }
        return words;
    }

    /// <summary>Seconds to sum n F32 vectors of d (median of three), the server's work in a plain round.</summary>
    static double PlainSum(int n, int d)
    {
        var random = new Random(n);
        // Four distinct vectors, cycled: each is far bigger than the caches, so every add streams from memory as n uploads would.
        var vectors = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, d).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var sum = new float[d];
        var times = new List<double>();
        for (int trial = 0; trial < 3; trial++)
        {
            Array.Clear(sum);
            var watch = Stopwatch.StartNew();
            for (int c = 0; c < n; c++) TensorPrimitives.Add(sum, vectors[c % 4], sum);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[1];
    }
}
