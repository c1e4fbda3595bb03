using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tessera.Coordinator;
using Tessera.Coordinator.Api;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera bench browser`: training samples/s in headless Chromium — the Tessera artifact under onnxruntime-web
/// (WASM; WebGPU where the browser has it) and the same architecture in TensorFlow.js — next to the .NET trainer
/// on the same machine and the same artifact. The pages come from a coordinator started for the run.
/// </summary>
internal static class BrowserBench
{
    public static Command Create()
    {
        var models = new Option<string[]>("--models") { Description = "zoo models (2nn, cnn)", DefaultValueFactory = _ => ["2nn", "cnn"], AllowMultipleArgumentsPerToken = true };
        var batch = CliOptions.Batch(50);
        var seconds = new Option<double>("--seconds") { Description = "measuring time per configuration", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "threads for ONNX Runtime in .NET and WASM (0 = all cores)", DefaultValueFactory = _ => 0 };
        var chromium = new Option<string>("--chromium") { Description = "browser executable", DefaultValueFactory = _ => "/usr/bin/chromium" };
        var cmd = new Command("browser", "Browser training speed: onnxruntime-web (WASM/WebGPU) and TensorFlow.js in headless Chromium vs the .NET trainer")
        {
            models, batch, seconds, threads, chromium,
        };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(models)!, pr.GetValue(batch), pr.GetValue(seconds), pr.GetValue(threads), pr.GetValue(chromium)!)));
        return cmd;
    }

    static int Run(string[] models, int batch, double seconds, int threads, string chromium)
    {
        CliOptions.Require(batch > 0, "--batch", "must be positive");
        CliOptions.Require(seconds > 0, "--seconds", "must be positive");
        if (!File.Exists(chromium)) throw new FileNotFoundException($"{chromium} not found: run scripts/fetch-deps.sh (installs Debian's chromium)");
        var web = WebAssets.Locate() ?? throw new DirectoryNotFoundException("web/ not found; run from the repository");
        if (!File.Exists(Path.Combine(web, "dist", "bench.html"))) throw new FileNotFoundException("web/dist is missing: run scripts/fetch-deps.sh (npm run build in web/)");
        int cores = threads > 0 ? threads : Environment.ProcessorCount;
        var temp = Directory.CreateTempSubdirectory("tessera-bench-").FullName;
        try
        {
            var files = new Dictionary<string, string>();
            var dotnet = new Dictionary<string, double>();
            foreach (var name in models)
            {
                var model = ModelZoo.Create(name);
                var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch, Momentum = true });
                var file = Path.Combine(temp, $"{name}.onnx");
                File.WriteAllBytes(file, artifact.Bytes);
                files[$"/bench-data/{name}.onnx"] = file;
                dotnet[name] = DotnetSamplesPerSecond(model, artifact, batch, seconds, new RuntimeOptions { IntraOpThreads = threads });
            }

            foreach (var (m, k, n, _) in GemmShapes(batch))
            {
                var file = Path.Combine(temp, $"sgemm-{m}-{k}-{n}.onnx");
                File.WriteAllBytes(file, new OnnxModel(GemmPeak.MatMulGraph(m, k, n)).ToBytes());
                files[$"/bench-data/sgemm-{m}-{k}-{n}.onnx"] = file;
            }

            var host = CoordinatorHost.Create(new CoordinatorOptions { DataDirectory = Path.Combine(temp, "data"), AdminKey = Guid.NewGuid().ToString(), Port = 0, Quiet = true });
            host.StartAsync().GetAwaiter().GetResult();
            using var driver = BrowserDriver.Start(web, chromium, [("bench", $"{host.BaseUrl}/bench")], files);
            var info = driver.Eval("bench", "({ isolated: window.bench.crossOriginIsolated, cores: window.bench.cores, ua: navigator.userAgent })");
            var table = new Table().AddColumns("model", "batch", ".NET ORT (CPU)", "onnxruntime-web WASM", "onnxruntime-web WebGPU", "TF.js WASM", "TF.js CPU", "TF.js WebGL", "WASM / .NET");
            // Also as Markdown, ready for docs/PERFORMANCE.md (the console table wraps on narrow terminals).
            var markdown = new List<string>
            {
                "| model | batch | .NET ORT (CPU) | onnxruntime-web WASM | onnxruntime-web WebGPU | TF.js WASM | TF.js CPU | TF.js WebGL | WASM / .NET |",
                "|---|---|---|---|---|---|---|---|---|",
            };
            foreach (var name in models)
            {
                double Ort(string provider) => driver.Eval("bench", $"window.bench.onnxruntime('/bench-data/{name}.onnx', '{provider}', {seconds.ToString(CultureInfo.InvariantCulture)}, {cores})").Number();
                double Tf(string backend) => driver.Eval("bench", $"window.bench.tensorflow('{name}', '{backend}', {batch}, {seconds.ToString(CultureInfo.InvariantCulture)})").Number();
                double wasm = Ort("wasm");
                string[] row = [name, batch.ToString(), F(dotnet[name]), F(wasm), F(Ort("webgpu")), F(Tf("wasm")), F(Tf("cpu")), F(Tf("webgl")), (wasm / dotnet[name]).ToString("P1")];
                table.AddRow(row);
                markdown.Add($"| {string.Join(" | ", row)} |");
            }
            // The ceiling: one MatMul in WASM against the same in .NET, at the shapes that dominate the two models' steps.
            var gemmTable = new Table().AddColumns("SGEMM [[m, k]] × [[k, n]]", "what", ".NET ORT GFLOP/s", "WASM GFLOP/s", "WASM / .NET");
            markdown.Add("");
            markdown.Add("| SGEMM [m, k] × [k, n] | what | .NET ORT GFLOP/s | WASM GFLOP/s | WASM / .NET |");
            markdown.Add("|---|---|---|---|---|");
            foreach (var (m, k, n, what) in GemmShapes(batch))
            {
                double native = GemmPeak.Measure(new RuntimeOptions { IntraOpThreads = threads }, m, k, n, reps: 10);
                double wasm = driver.Eval("bench", $"window.bench.gemm('/bench-data/sgemm-{m}-{k}-{n}.onnx', {m}, {k}, {n}, {Math.Min(seconds, 2).ToString(CultureInfo.InvariantCulture)}, {cores})").Number();
                string[] row = [$"[{m}, {k}] × [{k}, {n}]", what, native.ToString("F1", CultureInfo.InvariantCulture), wasm.ToString("F1", CultureInfo.InvariantCulture), (wasm / native).ToString("P1")];
                gemmTable.AddRow(row.Select(Markup.Escape).ToArray());
                markdown.Add($"| {string.Join(" | ", row)} |");
            }
            AnsiConsole.MarkupLine($"[grey]samples/s, median of calls of 20 steps; {Environment.ProcessorCount} logical cores; .NET threads={(threads == 0 ? "default" : threads)}, WASM threads={cores} " +
                $"(cross-origin isolated: {info.GetProperty("isolated")}); {Markup.Escape(info.GetProperty("ua").GetString() ?? "")}[/]");
            AnsiConsole.Write(table);
            AnsiConsole.Write(gemmTable);
            Console.WriteLine();
            foreach (var line in markdown) Console.WriteLine(line);
            host.StopAsync().GetAwaiter().GetResult();
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }
        finally { try { Directory.Delete(temp, true); } catch (IOException) { } }
    }

    /// <summary>The square peak, then each model's largest products at this batch: the 2NN's first layer, the CNN's fc1 and its second convolution as an im2col GEMM.</summary>
    static (int M, int K, int N, string What)[] GemmShapes(int batch) =>
    [
        (1024, 1024, 1024, "square peak"),
        (batch, 784, 200, "2nn layer 1, forward"),
        (batch, 3136, 512, "cnn fc1, forward"),
        (batch * 196, 800, 64, "cnn conv2 as im2col"),
    ];

    /// <summary>NaN (a backend this browser lacks) arrives as JSON null.</summary>
    static double Number(this JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN;

    static string F(double v) => double.IsFinite(v) ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>The same artifact, K = 20 steps per call, median call time: what the browser figures are compared with.</summary>
    static double DotnetSamplesPerSecond(TrainableModel model, Artifact artifact, int batch, double seconds, RuntimeOptions runtime)
    {
        const int steps = 20;
        return steps * batch / TrainingCallTime.Median(model, artifact, steps, batch, runtime, seconds);
    }
}
