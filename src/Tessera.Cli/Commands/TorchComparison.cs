using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tessera.Cli.Commands;

/// <summary>One (model, batch) line of bench/torch_train.py's output.</summary>
internal sealed record TorchRun(string Model, int Batch, double SamplesPerSecond, double MsPerStep, long Parameters, int Threads, string Torch,
    string? OpenBlasThreads, string? OmpWaitPolicy);

/// <summary>
/// Runs bench/torch_train.py (PyTorch training the same zoo models) as a child process and reads its JSON lines,
/// for `tessera bench train --vs-torch`.
/// </summary>
internal static class TorchComparison
{
    public const string ScriptPath = "bench/torch_train.py";
    const int NotImportable = 3;   // torch_train.py's exit code when `import torch` fails

    /// <summary>The Python that runs the script: TESSERA_PYTHON when set, else Debian's /usr/bin/python3 (where scripts/setup-torch.sh installs torch).</summary>
    public static string DefaultPython =>
        Environment.GetEnvironmentVariable("TESSERA_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>bench/torch_train.py, found by walking up from the app's base directory, then from the working directory.</summary>
    public static string LocateScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ScriptPath);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"{ScriptPath} not found; run from the repository");
    }

    /// <summary>The torch version <paramref name="python"/> imports; a clear one-line error when it has none.</summary>
    public static string Probe(string python, string script, int threads)
    {
        var (exit, stdout, stderr) = Launch(python, [script, "--version", "--threads", Inv(threads)], TimeSpan.FromMinutes(2));
        if (exit != 0) throw NotAvailable(python, exit == NotImportable ? null : LastLine(stderr));
        var line = JsonLines(stdout).FirstOrDefault() ?? throw NotAvailable(python, "it printed no version");
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("torch").GetString() ?? "?";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw NotAvailable(python, $"it printed '{line}'");
        }
    }

    /// <summary>Trains <paramref name="model"/> in PyTorch for <paramref name="seconds"/> of K-step chunks and returns its line.</summary>
    public static TorchRun Run(string python, string script, string model, int batch, int k, double seconds, int threads)
    {
        string[] args = [script, "--models", model, "--batches", Inv(batch), "--seconds", Inv(seconds), "--steps-per-chunk", Inv(k), "--threads", Inv(threads)];
        // A measurement lasts `seconds` plus a warm-up chunk; a slow CNN chunk at batch 50 on a loaded machine is tens of seconds.
        var (exit, stdout, stderr) = Launch(python, args, TimeSpan.FromSeconds(seconds * 4 + 300));
        if (exit == NotImportable) throw NotAvailable(python, null);
        if (exit != 0) throw new CliUsageException($"{ScriptPath} failed (exit {exit}): {LastLine(stderr)}");
        var runs = ParseOutput(stdout);
        return runs.FirstOrDefault(r => r.Model == model && r.Batch == batch)
            ?? throw new FormatException($"{ScriptPath} printed no line for {model} at batch {batch}");
    }

    /// <summary>Every JSON line of the script's stdout (other lines, such as warnings, are skipped).</summary>
    public static IReadOnlyList<TorchRun> ParseOutput(string stdout) => JsonLines(stdout).Select(ParseLine).ToList();

    /// <summary>One line: {"model", "batch", "samples_per_s", "ms_per_step", "parameters", "threads", "torch", ...}.</summary>
    public static TorchRun ParseLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            string? Text(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var run = new TorchRun(
                Text("model") ?? throw new FormatException("no \"model\""),
                r.GetProperty("batch").GetInt32(),
                r.GetProperty("samples_per_s").GetDouble(),
                r.GetProperty("ms_per_step").GetDouble(),
                r.GetProperty("parameters").GetInt64(),
                r.GetProperty("threads").GetInt32(),
                Text("torch") ?? "?",
                Text("openblas_threads"),
                Text("omp_wait_policy"));
            if (!(run.SamplesPerSecond > 0) || double.IsInfinity(run.SamplesPerSecond)) throw new FormatException("samples_per_s is not a positive number");
            return run;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{ScriptPath} printed an unexpected line ({e.Message}): {line}");
        }
    }

    static IEnumerable<string> JsonLines(string stdout) =>
        stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{'));

    static CliUsageException NotAvailable(string python, string? why) =>
        new($"--vs-torch: PyTorch is not importable by {python}{(why is null ? "" : $" ({why})")}; run scripts/setup-torch.sh (as root) to install it, or name another Python with --python");

    static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";

    static string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);

    static (int Exit, string StdOut, string StdErr) Launch(string python, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(python, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The fastest settings on these machines (see docs/PERFORMANCE.md); the script would set them itself and start again.
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null) psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";   // one the caller set, even empty, is kept
        Process p;
        try { p = Process.Start(psi) ?? throw NotAvailable(python, "it did not start"); }
        catch (Win32Exception e) { throw NotAvailable(python, e.Message); }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new CliUsageException($"--vs-torch: {ScriptPath} ran past {timeout.TotalSeconds:F0} s and was stopped");
            }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
