namespace Tessera.Cli.Tests;

/// <summary>`tessera bench codecs`: each codec's bytes per update are its real wire size, and totals follow rounds × clients × bytes.</summary>
public class CodecBenchTests
{
    const string Spec = """
        name: codec-grid
        model: logreg
        data: { dataset: synthetic, partition: iid, clients: 4, train_samples: 800, test_samples: 200 }
        local: { epochs: 1, batch_size: 10, lr: 0.1 }
        clients_per_round: 2
        rounds: 12
        target_accuracy: 0.3
        seed: 3
        """;

    static string[] Cells(string row) => row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [Fact]
    public void A_tiny_grid_writes_each_codecs_bytes_and_rounds_to_target()
    {
        var dir = CliRunner.Workspace(Spec);
        var r = CliRunner.Run(dir, ["bench", "codecs", "--jobs", "job.yaml", "--codecs", "f32", "fp16", "int8", "tk={codec: topk, fraction: 0.1}", "--parallel", "1", "--out", "grid"]);
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);

        var runs = File.ReadAllLines(Path.Combine(dir, "grid", "runs.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[1]);
        Assert.Equal(["f32", "fp16", "int8", "tk"], runs.Keys.ToArray());
        long Bytes(string codec) => long.Parse(runs[codec][6], System.Globalization.CultureInfo.InvariantCulture);
        // logreg on synthetic data: 7,850 floats. Headers aside, fp16 is half of f32, int8 a quarter, top-k 10% a fifth (8 bytes per kept entry).
        Assert.InRange(Bytes("f32"), 4 * 7850, 4 * 7850 + 1024);
        Assert.InRange(Bytes("fp16"), 2 * 7850, 2 * 7850 + 1024);
        Assert.InRange(Bytes("int8"), 7850, 7850 + 1024);
        Assert.InRange(Bytes("tk"), 8 * 786, 8 * 786 + 1024);

        var rows = File.ReadAllLines(Path.Combine(dir, "grid", "table.md")).Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(1 + 4, rows.Length);
        var f32 = Cells(rows[1]);
        Assert.Equal(("f32", "100.0 %"), (f32[0], f32[2]));
        // The total is updates to target × bytes per update: 2 clients a round.
        int rounds = int.Parse(runs["f32"][4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2L * rounds, long.Parse(runs["f32"][5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1.0", f32[6]);

        // A second run with the same specs reuses every row instead of training again.
        var again = CliRunner.Run(dir, ["bench", "codecs", "--jobs", "job.yaml", "--codecs", "f32", "fp16", "int8", "tk={codec: topk, fraction: 0.1}", "--parallel", "1", "--out", "grid"]);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, "grid", "runs.csv")).Length);
    }

    [Fact]
    public void A_job_without_a_target_or_a_bad_codec_is_named()
    {
        var dir = CliRunner.Workspace(Spec.Replace("target_accuracy: 0.3\n", "", StringComparison.Ordinal));
        var r = CliRunner.Run(dir, ["bench", "codecs", "--jobs", "job.yaml", "--codecs", "f32"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("target_accuracy", r.StdErr + r.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);

        var bad = CliRunner.Run(CliRunner.Workspace(Spec), ["bench", "codecs", "--jobs", "job.yaml", "--codecs", "zip"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("upload.codec", bad.StdErr + bad.StdOut, StringComparison.Ordinal);
    }
}
