using System.Text.Json;
using Spectre.Console;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench train --vs-torch`: Tessera's training speed and PyTorch's on the same models, interleaved (for each
/// repeat: the SGEMM peak, then per model and batch Tessera and at once PyTorch) so drift on a shared machine hits
/// both; medians per side, and MFU against the SGEMM peak measured in the same run.
/// </summary>
internal static class TrainVsTorch
{
    sealed class Cell(string model, int batch)
    {
        public string Model { get; } = model;
        public int Batch { get; } = batch;
        public long FlopsPerSample { get; set; }
        public List<double> Tessera { get; } = [];
        public List<double> Torch { get; } = [];
    }

    public static int Run(string[] models, int[] batches, int k, double seconds, int repeats, RuntimeOptions runtime, string python, bool json)
    {
        CliOptions.Require(repeats >= 1, "--repeats", "must be at least 1");
        var script = TorchComparison.LocateScript();
        int torchThreads = runtime.IntraOpThreads > 0 ? runtime.IntraOpThreads : Environment.ProcessorCount;
        var version = TorchComparison.Probe(python, script, torchThreads);   // before anything is measured
        var cells = (from m in models from b in batches select new Cell(m, b)).ToList();
        var gemm = new List<double>();
        TorchRun? last = null;
        for (int r = 0; r < repeats; r++)
        {
            gemm.Add(GemmPeak.Measure(runtime));
            Progress($"repeat {r + 1}/{repeats}: SGEMM 1024³ {gemm[^1]:F1} GFLOP/s");
            foreach (var c in cells)
            {
                var model = ModelZoo.Create(c.Model);
                var t = BenchCommand.Measure(model, c.Batch, k, seconds, runtime);
                c.FlopsPerSample = t.FlopsPerSample;
                c.Tessera.Add(t.SamplesPerSecond);
                // Tessera's figure comes from seconds/2 of K-step calls (the other half times K=1); PyTorch gets the same.
                last = TorchComparison.Run(python, script, c.Model, c.Batch, k, seconds / 2, torchThreads);
                // The script replicates the zoo's layers by hand; a different parameter count means a different model.
                if (last.Parameters != model.InitialParameters().Count)
                    throw new CliUsageException($"--vs-torch: {TorchComparison.ScriptPath}'s {c.Model} has {last.Parameters:N0} parameters, Tessera's {model.InitialParameters().Count:N0}: the architectures differ");
                c.Torch.Add(last.SamplesPerSecond);
                Progress($"repeat {r + 1}/{repeats}: {c.Model} batch {c.Batch}: Tessera {t.SamplesPerSecond:N0}/s, PyTorch {last.SamplesPerSecond:N0}/s");
            }
        }

        double peak = Median(gemm);
        string ortThreads = runtime.IntraOpThreads == 0 ? "default" : runtime.IntraOpThreads.ToString();
        string setting = $"{Environment.ProcessorCount} logical cores; ONNX Runtime CPU threads={ortThreads}{(runtime.IntraOpSpinning ? "" : " (no spinning)")}, K={k}; PyTorch {version} threads={torchThreads}, " +
            $"OPENBLAS_NUM_THREADS={last?.OpenBlasThreads ?? "1"}, OMP_WAIT_POLICY={last?.OmpWaitPolicy ?? "?"}; {repeats} repeats, medians; " +
            $"SGEMM 1024³ peak {peak:F1} GFLOP/s (median of repeats, {gemm.Min():F1}–{gemm.Max():F1})";
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cores = Environment.ProcessorCount, ort_threads = runtime.IntraOpThreads, ort_spinning = runtime.IntraOpSpinning, steps_per_call = k, torch = version, torch_threads = torchThreads,
                openblas_threads = last?.OpenBlasThreads, omp_wait_policy = last?.OmpWaitPolicy, repeats, sgemm_gflops = gemm, sgemm_peak_gflops = peak,
                rows = cells.Select(c => new
                {
                    model = c.Model, batch = c.Batch, flops_per_sample = c.FlopsPerSample,
                    tessera_samples_per_s = c.Tessera, torch_samples_per_s = c.Torch,
                    tessera_median = Median(c.Tessera), torch_median = Median(c.Torch), ratio = Median(c.Tessera) / Median(c.Torch),
                    tessera_mfu = Mfu(c, Median(c.Tessera), peak), torch_mfu = Mfu(c, Median(c.Torch), peak),
                }),
            }));
            return 0;
        }
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(setting)}[/]");
        var table = new Table().AddColumns("model", "batch", "Tessera samples/s", "PyTorch samples/s", "Tessera ÷ PyTorch (range)",
            "Tessera GFLOP/s (MFU)", "PyTorch GFLOP/s (MFU)");
        string Achieved(Cell c, double samplesPerSecond) => $"{samplesPerSecond * c.FlopsPerSample / 1e9:F1} ({Mfu(c, samplesPerSecond, peak):P1})";
        foreach (var c in cells)
        {
            double mine = Median(c.Tessera), theirs = Median(c.Torch);
            var ratios = c.Tessera.Zip(c.Torch, (a, b) => a / b).ToList();
            table.AddRow(c.Model, c.Batch.ToString(), mine.ToString("N0"), theirs.ToString("N0"),
                $"{mine / theirs:F2} ({ratios.Min():F2}–{ratios.Max():F2})", Achieved(c, mine), Achieved(c, theirs));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Achieved FLOP/s (Tessera's FlopCounter count per sample, for either side) over the SGEMM peak.</summary>
    static double Mfu(Cell c, double samplesPerSecond, double peakGflops) => samplesPerSecond * c.FlopsPerSample / 1e9 / peakGflops;

    static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    static void Progress(string line) => Console.Error.WriteLine(line);
}
