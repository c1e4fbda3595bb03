namespace Tessera.Cli.Tests;

/// <summary>`tessera plot` puts several runs' accuracy curves on one PNG and reports when each reached the target.</summary>
public class PlotTests
{
    static string Run(string dir, string name, params string[] rows)
    {
        var folder = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
        File.WriteAllLines(Path.Combine(folder, "metrics.csv"), ["round,test_accuracy,test_loss,train_loss,clients,samples,dropped,simulated_seconds,wall_seconds", .. rows]);
        return folder;
    }

    [Fact]
    public void Plots_every_run_and_reports_the_round_each_reached_the_target()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-plot-").FullName;
        var fast = Run(dir, "fast", "0,0.1,2.3,,0,0,0,0,1", "1,0.8,0.5,0.6,10,6000,0,3,2", "2,0.95,0.2,0.3,10,6000,0,6,3", "3,0.97,0.1,0.2,10,6000,0,9,4");
        var slow = Run(dir, "slow", "0,0.1,2.3,,0,0,0,0,1", "1,0.5,1,1,10,6000,0,3,2", "2,,,0.9,10,6000,0,6,3", "3,0.7,0.8,0.8,10,6000,0,9,4");

        var r = CliRunner.Run(dir, "plot", fast, Path.Combine(slow, "metrics.csv"), "--target", "0.9", "--y-min", "0.5", "--out", "cmp.png");

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("fast: 4 evaluated rounds, best 97.00 %, target at round 2", r.StdOut.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.Contains("slow: 3 evaluated rounds", r.StdOut);   // the unevaluated round 2 is skipped, not read as 0
        Assert.Contains("target not reached", r.StdOut);
        var png = File.ReadAllBytes(Path.Combine(dir, "cmp.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // Against simulated time (how synchronous and asynchronous runs compare): same rounds, their clock beside.
        var byTime = CliRunner.Run(dir, "plot", fast, "--x", "simulated_seconds", "--target", "0.9", "--out", "time.png");
        Assert.True(byTime.ExitCode == 0, byTime.StdErr);
        Assert.Contains("target at round 2 (simulated seconds 6)", byTime.StdOut.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.True(File.Exists(Path.Combine(dir, "time.png")));
    }

    [Theory]
    [InlineData("--y-min", "1")]
    [InlineData("--target", "0")]
    [InlineData("--out", "chart.txt")]
    [InlineData("--x", "epoch")]
    public void Out_of_range_options_are_refused_by_name(string option, string value)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-plot-").FullName;
        var run = Run(dir, "a", "0,0.5,1,,0,0,0,0,1");
        var r = CliRunner.Run(dir, "plot", run, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.StdErr);
        Assert.False(File.Exists(Path.Combine(dir, "runs.png")));
    }

    [Fact]
    public void A_missing_or_malformed_run_is_named()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-plot-").FullName;
        var missing = CliRunner.Run(dir, "plot", "no-such-run");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no metrics.csv at no-such-run", missing.StdErr);

        var bad = Run(dir, "bad", "1,lots,1,1,10,6000,0,3,2");
        var malformed = CliRunner.Run(dir, "plot", bad);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("line 2", malformed.StdErr);
        Assert.False(File.Exists(Path.Combine(dir, "runs.png")));
    }
}
