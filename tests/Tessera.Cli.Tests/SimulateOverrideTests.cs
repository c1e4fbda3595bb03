namespace Tessera.Cli.Tests;

/// <summary>`tessera simulate --set` runs a changed spec into its own folder and names a bad field.</summary>
public class SimulateOverrideTests
{
    const string Spec = """
        name: grid
        model: logreg
        data: { dataset: synthetic, partition: iid, clients: 6, train_samples: 600, test_samples: 150 }
        local: { epochs: 1, batch_size: 10, lr: 0.1 }
        clients_per_round: 2
        rounds: 2
        seed: 3
        """;

    static string Workspace() => CliRunner.Workspace(Spec);

    [Fact]
    public void A_changed_run_writes_its_own_folder_and_trains_differently()
    {
        var dir = Workspace();
        var plain = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1");
        Assert.True(plain.ExitCode == 0, plain.StdErr + plain.StdOut);
        var changed = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1", "--set", "local.lr=0.5", "--set", "rounds=3");
        Assert.True(changed.ExitCode == 0, changed.StdErr + changed.StdOut);
        Assert.Contains("lr=0.5", changed.StdOut);

        var plainRows = File.ReadAllLines(Path.Combine(dir, "out", "simulate", "grid", "metrics.csv"));
        var changedRows = File.ReadAllLines(Path.Combine(dir, "out", "simulate", "grid_local.lr-0.5_rounds-3", "metrics.csv"));
        Assert.Equal(1 + 3, plainRows.Length);     // header, rounds 0-2: the unchanged run's results are untouched
        Assert.Equal(1 + 4, changedRows.Length);   // header, rounds 0-3
        static string[] Accuracy(string row) => row.Split(',')[1..3];   // test accuracy and loss
        Assert.Equal(Accuracy(plainRows[1]), Accuracy(changedRows[1]));      // same seed, same initial model
        Assert.NotEqual(Accuracy(plainRows[2]), Accuracy(changedRows[2]));   // another lr trains to other weights
    }

    [Fact]
    public void A_changed_run_resumes_only_with_the_same_changes()
    {
        var dir = Workspace();
        var first = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1", "--set", "local.lr=0.3", "--rounds", "1", "--checkpoint-every", "1");
        Assert.True(first.ExitCode == 0, first.StdErr + first.StdOut);
        var folder = Path.Combine("out", "simulate", "grid_local.lr-0.3");

        var without = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1", "--out", folder, "--resume");
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("different job spec", without.StdErr);

        var with = CliRunner.Run(dir, "simulate", "job.yaml", "--parallel", "1", "--set", "local.lr=0.3", "--resume");
        Assert.True(with.ExitCode == 0, with.StdErr + with.StdOut);
        Assert.Contains("resuming after round 1", with.StdOut);
        Assert.Equal(1 + 3, File.ReadAllLines(Path.Combine(dir, folder, "metrics.csv")).Length);   // header, rounds 0-2
    }

    [Fact]
    public void A_bad_override_names_the_field_and_writes_nothing()
    {
        var dir = Workspace();
        var r = CliRunner.Run(dir, "simulate", "job.yaml", "--set", "local.lr=-3");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("local.lr", r.StdErr);
        var malformed = CliRunner.Run(dir, "simulate", "job.yaml", "--set", "local.lr");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("--set", malformed.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }
}
