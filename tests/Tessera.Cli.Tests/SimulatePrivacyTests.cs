namespace Tessera.Cli.Tests;

/// <summary>`tessera simulate` on a privacy.dp job: metrics.csv carries each round's ε, δ, clip and noise; the console says ε.</summary>
public class SimulatePrivacyTests
{
    [Fact]
    public void A_private_run_writes_epsilon_and_clip_per_round_and_prints_the_noise_multiplier()
    {
        var dir = CliRunner.Workspace("""
            name: private
            model: logreg
            data: { dataset: synthetic, partition: iid, clients: 100, train_samples: 2000, test_samples: 100 }
            local: { epochs: 1, batch_size: 10, lr: 0.1 }
            clients_per_round: 20
            rounds: 3
            privacy:
              dp: { target_epsilon: 8, delta: 1e-5, clip: 0.5, adaptive_clip: true }
            """);
        var r = CliRunner.Run(dir, "simulate", "job.yaml", "--out", "run", "--parallel", "1");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        var stdout = r.StdOut.ReplaceLineEndings(" ");
        Assert.Contains("privacy.dp central: noise multiplier", stdout);
        Assert.Contains("(solved for ε = 8 over 3 rounds)", stdout);
        Assert.Matches(@"round +3 .* ε [0-9.]+ clip [0-9.]+", stdout);

        var lines = File.ReadAllLines(Path.Combine(dir, "run", "metrics.csv"));
        var header = lines[0].Split(',');
        Assert.Equal(["epsilon", "delta", "clip", "noise_std", "unclipped_fraction", "upload_bytes"], header[^6..]);
        int eps = Array.IndexOf(header, "epsilon"), clip = Array.IndexOf(header, "clip"), unclipped = Array.IndexOf(header, "unclipped_fraction");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal("0", rows[0][0]);
        Assert.Equal("", rows[0][eps]);   // round 0 evaluates the initial model and releases nothing
        var spent = rows[1..].Select(c => double.Parse(c[eps], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, spent.Length);
        Assert.True(spent[0] < spent[1] && spent[1] < spent[2], string.Join(" ", spent));
        Assert.InRange(spent[2], 7.9, 8.0);   // the solved noise spends the target over the job's rounds
        Assert.Equal(0.5, double.Parse(rows[1][clip], System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(rows[1..], c => Assert.NotEqual("", c[unclipped]));
    }

    [Fact]
    public void A_run_without_privacy_has_no_privacy_columns()
    {
        var dir = CliRunner.Workspace("""
            name: plain
            model: logreg
            data: { dataset: synthetic, partition: iid, clients: 4, train_samples: 200, test_samples: 50 }
            local: { epochs: 1, batch_size: 10, lr: 0.1 }
            clients_per_round: 2
            rounds: 1
            """);
        var r = CliRunner.Run(dir, "simulate", "job.yaml", "--out", "run", "--parallel", "1");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.DoesNotContain("epsilon", File.ReadAllLines(Path.Combine(dir, "run", "metrics.csv"))[0]);
        Assert.DoesNotContain("privacy.dp", r.StdOut);
    }
}
