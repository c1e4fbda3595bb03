using System.Text.Json;
using Tessera.Cli.Commands;

namespace Tessera.Cli.Tests;

/// <summary>
/// `tessera bench train --vs-torch` without PyTorch: the parser of bench/torch_train.py's lines, the one-line error
/// when torch is missing, and the whole comparison against a stand-in Python that prints canned lines.
/// </summary>
public class TorchComparisonTests
{
    const string Line2nn = """{"model": "2nn", "batch": 10, "steps_per_chunk": 50, "chunks": 24, "samples_per_s": 12064.25, "ms_per_step": 0.8289, "parameters": 199210, "threads": 2, "openblas_threads": "1", "omp_wait_policy": "PASSIVE", "torch": "1.13.0a0"}""";

    [Fact]
    public void Parses_the_scripts_lines_and_skips_other_output()
    {
        var runs = TorchComparison.ParseOutput("warning: something\n" + Line2nn + "\n\n" + Line2nn.Replace("\"batch\": 10", "\"batch\": 50") + "\n");
        Assert.Equal(2, runs.Count);
        var r = runs[0];
        Assert.Equal(("2nn", 10, 12064.25, 0.8289, 199210L, 2, "1.13.0a0", "1", "PASSIVE"),
            (r.Model, r.Batch, r.SamplesPerSecond, r.MsPerStep, r.Parameters, r.Threads, r.Torch, r.OpenBlasThreads, r.OmpWaitPolicy));
        Assert.Equal(50, runs[1].Batch);
    }

    [Theory]
    [InlineData("""{"model": "2nn", "batch": 10}""")]
    [InlineData("""{"model": "2nn", "batch": 10, "samples_per_s": 0, "ms_per_step": 1, "parameters": 1, "threads": 2}""")]
    [InlineData("""{"model": "2nn", "batch": "ten", "samples_per_s": 5, "ms_per_step": 1, "parameters": 1, "threads": 2}""")]
    [InlineData("""{"model": "2nn", """)]
    public void Refuses_a_line_it_cannot_read(string line)
    {
        var e = Assert.Throws<FormatException>(() => TorchComparison.ParseLine(line));
        Assert.Contains("torch_train.py printed an unexpected line", e.Message);
    }

    [Fact]
    public void Without_torch_it_fails_with_one_line_naming_the_setup_script()
    {
        var r = CliRunner.Run(TempDir(), "bench", "train", "--vs-torch", "--python", "/nonexistent/python3", "--models", "2nn", "--batches", "10");
        Assert.Equal(2, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: --vs-torch: PyTorch is not importable by /nonexistent/python3", lines[0]);
        Assert.Contains("scripts/setup-torch.sh", lines[0]);
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void A_python_without_torch_gets_the_same_error()
    {
        // The script exits 3 when `import torch` fails; the stand-in does the same.
        var python = FakePython("echo 'torch is not importable: No module named torch' >&2; exit 3");
        var r = CliRunner.Run(TempDir(), "bench", "train", "--vs-torch", "--python", python, "--models", "2nn", "--batches", "10");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("PyTorch is not importable", r.StdErr);
        Assert.Contains("scripts/setup-torch.sh", r.StdErr);
    }

    [Fact]
    public void Interleaves_both_sides_and_reports_medians_ratio_and_mfu()
    {
        // Prints the environment it was given, so the test sees OPENBLAS_NUM_THREADS=1 reach the script.
        var python = FakePython("""
            case "$*" in
              *--version*) echo '{"torch": "0.0-fake", "threads": 1}' ;;
              *) echo "{\"model\": \"2nn\", \"batch\": 10, \"samples_per_s\": 1000, \"ms_per_step\": 10, \"parameters\": 199210, \"threads\": 1, \"openblas_threads\": \"$OPENBLAS_NUM_THREADS\", \"omp_wait_policy\": \"$OMP_WAIT_POLICY\", \"torch\": \"0.0-fake\"}" ;;
            esac
            """);
        var r = CliRunner.Run(TempDir(), "bench", "train", "--vs-torch", "--python", python, "--models", "2nn", "--batches", "10",
            "--seconds", "0.2", "--repeats", "2", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Equal(2, r.StdErr.Split('\n').Count(l => l.Contains("2nn batch 10: Tessera")));   // one progress line per repeat

        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal("0.0-fake", root.GetProperty("torch").GetString());
        Assert.Equal("1", root.GetProperty("openblas_threads").GetString());
        Assert.Equal(2, root.GetProperty("sgemm_gflops").GetArrayLength());
        double peak = root.GetProperty("sgemm_peak_gflops").GetDouble();
        Assert.True(peak > 0);
        var row = Assert.Single(root.GetProperty("rows").EnumerateArray());
        Assert.Equal(2, row.GetProperty("tessera_samples_per_s").GetArrayLength());
        Assert.Equal(1000, row.GetProperty("torch_median").GetDouble());
        double tessera = row.GetProperty("tessera_median").GetDouble();
        Assert.Equal(tessera / 1000, row.GetProperty("ratio").GetDouble(), 9);
        long flops = row.GetProperty("flops_per_sample").GetInt64();
        Assert.InRange(flops, 800_000, 1_000_000);   // the 2NN's 0.92 MFLOP per training sample
        Assert.Equal(1000.0 * flops / 1e9 / peak, row.GetProperty("torch_mfu").GetDouble(), 9);
    }

    [Fact]
    public void A_script_model_with_other_parameters_is_refused()
    {
        var python = FakePython("""
            case "$*" in
              *--version*) echo '{"torch": "0.0-fake", "threads": 1}' ;;
              *) echo '{"model": "2nn", "batch": 10, "samples_per_s": 1000, "ms_per_step": 10, "parameters": 12345, "threads": 1}' ;;
            esac
            """);
        var r = CliRunner.Run(TempDir(), "bench", "train", "--vs-torch", "--python", python, "--models", "2nn", "--batches", "10",
            "--seconds", "0.2", "--repeats", "1", "--threads", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("the architectures differ", r.StdErr);
    }

    static string TempDir() => Directory.CreateTempSubdirectory("tessera-cli-").FullName;

    /// <summary>An executable shell script standing in for Python: it ignores the script path and runs <paramref name="body"/>.</summary>
    static string FakePython(string body)
    {
        var path = Path.Combine(TempDir(), "python3");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
