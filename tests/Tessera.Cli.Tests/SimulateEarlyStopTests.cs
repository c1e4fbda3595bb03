namespace Tessera.Cli.Tests;

/// <summary>`tessera simulate` with <c>patience</c> ends a run that stopped improving and says why.</summary>
public class SimulateEarlyStopTests
{
    [Fact]
    public void A_collapsed_run_stops_when_patience_runs_out_and_the_summary_says_why()
    {
        // Every client's training overflows, so the model never improves on round 1.
        var dir = CliRunner.Workspace("""
            name: collapse
            model: logreg
            data: { dataset: synthetic, partition: iid, clients: 4, train_samples: 400, test_samples: 100 }
            local: { epochs: 1, batch_size: 10, lr: 1e37 }
            clients_per_round: 2
            rounds: 100
            patience: 2
            """);
        var r = CliRunner.Run(dir, "simulate", "job.yaml", "--out", "run", "--parallel", "1");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("stopped early: no new best test accuracy for 2 rounds", r.StdOut.ReplaceLineEndings(" "));
        var rows = File.ReadAllLines(Path.Combine(dir, "run", "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToArray();
        Assert.Equal([0, 1, 2, 3], rows);
    }
}
