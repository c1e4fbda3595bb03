using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>`tessera bench ...`: measured costs that go into docs/PERFORMANCE.md.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks whose figures go in docs/PERFORMANCE.md");
        bench.Subcommands.Add(TrainBench());
        bench.Subcommands.Add(AggregateBench.Create());
        bench.Subcommands.Add(IngestBench.Create());
        bench.Subcommands.Add(IngestClients.Create());
        bench.Subcommands.Add(LongPollBench.Create());
        bench.Subcommands.Add(BrowserBench.Create());
        bench.Subcommands.Add(AuditBench.Create());
        bench.Subcommands.Add(TrustBench.Create());
        bench.Subcommands.Add(SpillBench.Create());
        bench.Subcommands.Add(RobustBench.Create());
        bench.Subcommands.Add(SecAggBench.Create());
        bench.Subcommands.Add(CodecBench.Create());
        return bench;
    }

    static Command TrainBench()
    {
        var models = new Option<string[]>("--models") { Description = "zoo models", DefaultValueFactory = _ => ["2nn", "cnn"], AllowMultipleArgumentsPerToken = true };
        var batches = new Option<int[]>("--batches") { Description = "batch sizes", DefaultValueFactory = _ => [10, 50], AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps-per-call") { Description = "K, optimizer steps per artifact call", DefaultValueFactory = _ => 50 };
        var seconds = new Option<double>("--seconds") { Description = "measuring time per configuration", DefaultValueFactory = _ => 5 };
        var threads = CliOptions.Threads();
        var profile = new Option<bool>("--profile") { Description = "also print where the time goes, by op type (ONNX Runtime profiling)" };
        var vsTorch = new Option<bool>("--vs-torch") { Description = $"also train the same models in PyTorch ({TorchComparison.ScriptPath}), interleaved, with MFU against a measured SGEMM peak" };
        var repeats = new Option<int>("--repeats") { Description = "with --vs-torch: Tessera-then-PyTorch rounds per model and batch (medians)", DefaultValueFactory = _ => 3 };
        var python = new Option<string>("--python") { Description = "with --vs-torch: the Python with torch (default TESSERA_PYTHON, else /usr/bin/python3)", DefaultValueFactory = _ => TorchComparison.DefaultPython };
        var json = new Option<bool>("--json") { Description = "print the results as JSON" };
        var noSpin = new Option<bool>("--no-spin") { Description = "idle ONNX Runtime threads sleep instead of spinning (as PyTorch's OMP_WAIT_POLICY=PASSIVE)" };
        var cmd = new Command("train", "Training speed of zoo models: samples/s, achieved FLOP/s and the per-call overhead of the K-step Loop")
        {
            models, batches, steps, seconds, threads, profile, vsTorch, repeats, python, json, noSpin,
        };
        cmd.SetAction(pr => Guarded.Run(() =>
        {
            int k = pr.GetValue(steps);
            double budget = pr.GetValue(seconds);
            CliOptions.Require(k >= 2, "--steps-per-call", "must be at least 2 (the overhead fit needs K=1 and K)");
            CliOptions.Require(budget > 0, "--seconds", "must be positive");
            var runtime = new RuntimeOptions { IntraOpThreads = pr.GetValue(threads), IntraOpSpinning = !pr.GetValue(noSpin) };
            if (pr.GetValue(vsTorch))
                return TrainVsTorch.Run(pr.GetValue(models)!, pr.GetValue(batches)!, k, budget, pr.GetValue(repeats), runtime, pr.GetValue(python)!, pr.GetValue(json));
            var results = new List<(string Model, int Batch, Result R)>();
            var table = new Table().AddColumns("model", "batch", "K", "samples/s", "GFLOP/s", "ms/step", "call overhead ms", "K=1 samples/s");
            foreach (var name in pr.GetValue(models)!)
            foreach (var batch in pr.GetValue(batches)!)
            {
                var r = Measure(ModelZoo.Create(name), batch, k, budget, runtime);
                results.Add((name, batch, r));
                table.AddRow(name, batch.ToString(), k.ToString(), r.SamplesPerSecond.ToString("N0"), (r.FlopsPerSecond / 1e9).ToString("F2"),
                    r.StepMs.ToString("F3"), r.CallOverheadMs.ToString("F3"), r.SingleStepSamplesPerSecond.ToString("N0"));
            }
            if (pr.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(results.Select(x => new
                {
                    model = x.Model, batch = x.Batch, steps_per_call = k, samples_per_s = x.R.SamplesPerSecond, gflops = x.R.FlopsPerSecond / 1e9,
                    ms_per_step = x.R.StepMs, call_overhead_ms = x.R.CallOverheadMs, k1_samples_per_s = x.R.SingleStepSamplesPerSecond,
                })));
                return 0;
            }
            AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} logical cores, ONNX Runtime CPU, threads={(runtime.IntraOpThreads == 0 ? "default" : runtime.IntraOpThreads)}{(runtime.IntraOpSpinning ? "" : ", no spinning")}[/]");
            AnsiConsole.Write(table);
            if (pr.GetValue(profile))
                foreach (var name in pr.GetValue(models)!)
                    PrintProfile(ModelZoo.Create(name), pr.GetValue(batches)!.Max(), k, runtime);
            return 0;
        }));
        return cmd;
    }

    static void PrintProfile(TrainableModel model, int batch, int k, RuntimeOptions runtime)
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"tessera-profile-{model.Name}");
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch, Momentum = true });
        string file;
        using (var trainer = new Trainer(artifact, model.InitialParameters(), runtime with { ProfilePrefix = prefix }))
        {
            trainer.Train(SyntheticBatches(model, batch, k), new Hyperparameters { LearningRate = 0.01f });
            file = trainer.EndProfiling();
        }
        var entries = OpProfile.Summarize(file);
        double total = entries.Sum(e => e.Milliseconds);
        var table = new Table().Title($"{model.Name}, batch {batch}, {k} steps: time by op").AddColumns("op", "ms", "share", "kernel calls");
        foreach (var e in entries.Take(12))
            table.AddRow(e.OpType, e.Milliseconds.ToString("F1"), (e.Milliseconds / total).ToString("P1"), e.Calls.ToString());
        AnsiConsole.Write(table);
    }

    static BatchData SyntheticBatches(TrainableModel model, int batch, int steps)
    {
        var init = new WeightInit(3);
        long sample = Shapes.Numel(model.SampleShape), label = Shapes.Numel(model.LabelShape);
        var y = Enumerable.Range(0, (int)(steps * batch * label)).Select(i => (long)(i % 10)).ToArray();
        return model.Input.Type == DType.Int64
            ? BatchData.Sequence(y.Select(v => v % 96).ToArray(), y, steps)
            : BatchData.Classification(init.Uniform(steps * batch * sample, 1f), y, steps);
    }

    internal sealed record Result(double SamplesPerSecond, double FlopsPerSecond, long FlopsPerSample, double StepMs, double CallOverheadMs, double SingleStepSamplesPerSecond);

    /// <summary>Median time of K-step calls over seconds/2 and of one-step calls over seconds/2, each after a warm-up call.</summary>
    internal static Result Measure(TrainableModel model, int batch, int k, double seconds, RuntimeOptions runtime)
    {
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch, Momentum = true });
        using var trainer = new Trainer(artifact, model.InitialParameters(), runtime);
        var hp = new Hyperparameters { LearningRate = 0.01f };
        var one = SyntheticBatches(model, batch, 1);
        var many = SyntheticBatches(model, batch, k);
        double PerCall(BatchData d)
        {
            trainer.Train(d, hp); // warm-up
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds / 2 || times.Count < 3)
            {
                var w = Stopwatch.StartNew();
                trainer.Train(d, hp);
                times.Add(w.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return times[times.Count / 2]; // median: robust to noise on shared machines
        }
        double tOne = PerCall(one), tMany = PerCall(many);
        double step = (tMany - tOne) / (k - 1);
        double samplesPerSecond = k * batch / (tMany / 1000);
        return new Result(samplesPerSecond, samplesPerSecond * artifact.Manifest.FlopsPerSample, artifact.Manifest.FlopsPerSample, step, Math.Max(0, tOne - step), batch / (tOne / 1000));
    }
}
