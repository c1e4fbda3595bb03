namespace Tessera.Cli.Tests;

/// <summary>`tessera simulate --resume` continues a stopped run from its checkpoint, keeping the curve.</summary>
public class SimulateResumeTests
{
    const string Spec = """
        name: resume-cli
        model: logreg
        data: { dataset: synthetic, partition: iid, clients: 8, train_samples: 800, test_samples: 200 }
        strategy: { name: fedavg }
        local: { epochs: 1, batch_size: 10, lr: 0.1 }
        clients_per_round: 3
        rounds: 4
        seed: 3
        """;

    static string Workspace() => CliRunner.Workspace(Spec);

    [Fact]
    public void Resume_continues_after_the_checkpointed_round_and_keeps_earlier_rows()
    {
        var dir = Workspace();
        var first = CliRunner.Run(dir, "simulate", "job.yaml", "--out", "run", "--rounds", "2", "--checkpoint-every", "1", "--parallel", "1");
        Assert.True(first.ExitCode == 0, first.StdErr + first.StdOut);
        Assert.True(File.Exists(Path.Combine(dir, "run", "checkpoint.safetensors")));

        var second = CliRunner.Run(dir, "simulate", "job.yaml", "--out", "run", "--resume", "--parallel", "1");
        Assert.True(second.ExitCode == 0, second.StdErr + second.StdOut);
        Assert.Contains("resuming after round 2", second.StdOut);
        Assert.DoesNotContain("round     1", second.StdOut);   // rounds already run are not trained again

        var rows = File.ReadAllLines(Path.Combine(dir, "run", "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToArray();
        Assert.Equal([0, 1, 2, 3, 4], rows);
    }

    [Fact]
    public void Resume_without_a_checkpoint_names_the_option()
    {
        var r = CliRunner.Run(Workspace(), "simulate", "job.yaml", "--out", "empty", "--resume");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--resume", r.StdErr);
    }
}
