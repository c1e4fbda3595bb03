using System.Globalization;

namespace Tessera.Cli.Tests;

/// <summary>`tessera bench robust`: a tiny grid gives a table of the right shape whose worst case is the lowest attack cell.</summary>
public class RobustBenchTests
{
    const string Spec = """
        name: robust-grid
        model: logreg
        data: { dataset: synthetic, partition: iid, clients: 8, train_samples: 800, test_samples: 200 }
        local: { epochs: 1, batch_size: 10, lr: 0.1 }
        clients_per_round: 8
        rounds: 2
        seed: 3
        """;

    static string[] Args(string outDir) =>
        ["bench", "robust", "--job", "job.yaml", "--aggregators", "mean", "median", "--attacks", "none", "sign_flip", "ipm4={name: ipm, epsilon: 4}",
         "--seeds", "1", "2", "--byzantine", "2", "--parallel", "1", "--out", outDir];

    [Fact]
    public void A_tiny_grid_writes_the_table_and_its_worst_case_is_the_minimum()
    {
        var dir = CliRunner.Workspace(Spec);
        var r = CliRunner.Run(dir, Args("grid"));
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);

        var rows = File.ReadAllLines(Path.Combine(dir, "grid", "table.md")).Where(l => l.StartsWith('|')).ToArray();
        Assert.Equal(2 + 2, rows.Length);   // header, separator, one row per aggregator
        static string[] Cells(string row) => row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal(["aggregator", "clean", "sign_flip", "ipm4", "worst", "worst attack", "clean cost vs mean (points)"], Cells(rows[0]));
        Assert.All(rows.Skip(2), row => Assert.Matches(@"^\d+\.\d ± \d+\.\d$", Cells(row)[1]));
        Assert.Equal("0.0", Cells(rows[2])[^1]);   // the mean's cost against itself

        var summary = File.ReadAllLines(Path.Combine(dir, "grid", "summary.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var aggregator in new[] { "mean", "median" })
        {
            var mine = summary.Where(c => c[0] == aggregator).ToList();
            Assert.Equal(4, mine.Count);   // none, two attacks, worst
            var attacks = mine.Where(c => c[1] is "sign_flip" or "ipm4").ToList();
            var worst = Assert.Single(mine, c => c[1].StartsWith("worst:", StringComparison.Ordinal));
            double min = attacks.Min(c => double.Parse(c[2], CultureInfo.InvariantCulture));
            Assert.Equal(min, double.Parse(worst[2], CultureInfo.InvariantCulture));
            Assert.Equal(attacks.MinBy(c => double.Parse(c[2], CultureInfo.InvariantCulture))![1], worst[1]["worst:".Length..]);
            Assert.Equal("2", worst[4]);   // over both seeds
        }
        // The mean under ipm with ε = 4 is pulled backwards: it must be that row's worst case, and worse than its clean run.
        var meanCells = summary.Where(c => c[0] == "mean").ToDictionary(c => c[1], c => double.Parse(c[2], CultureInfo.InvariantCulture));
        Assert.True(meanCells["worst:ipm4"] < meanCells["none"], string.Join("; ", meanCells));

        // Runs are deterministic per seed, and a second invocation reuses the finished ones.
        var again = CliRunner.Run(dir, Args("grid"));
        Assert.True(again.ExitCode == 0, again.StdErr + again.StdOut);
        Assert.Contains("12 runs reused", again.StdOut);
        var fresh = CliRunner.Run(dir, Args("grid2"));
        Assert.True(fresh.ExitCode == 0, fresh.StdErr + fresh.StdOut);
        static string[] Accuracies(string path) => File.ReadAllLines(path).Skip(1).Select(l => string.Join(',', l.Split(',')[..6])).ToArray();
        Assert.Equal(Accuracies(Path.Combine(dir, "grid", "runs.csv")), Accuracies(Path.Combine(dir, "grid2", "runs.csv")));
    }

    [Fact]
    public void With_a_validation_split_each_family_is_tuned_on_it_and_its_chosen_setting_reported_on_test()
    {
        var dir = CliRunner.Workspace(Spec);
        var r = CliRunner.Run(dir, "bench", "robust", "--job", "job.yaml", "--set", "simulation.validation_samples=200",
            "--aggregators", "nb/0.01={name: norm_bound, bound: 0.01}", "nb/10={name: norm_bound, bound: 10}", "mean",
            "--attacks", "none", "sign_flip", "--seeds", "1", "--byzantine", "2", "--parallel", "1", "--out", "grid");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        var runs = File.ReadAllLines(Path.Combine(dir, "grid", "runs.csv")).Skip(1).Select(GridRunFields).ToList();
        Assert.Equal(6, runs.Count);
        Assert.All(runs, run => Assert.InRange(run.Validation, 0, 1));
        // The chosen norm bound is the one with the higher validation worst case (here, under sign flipping).
        double Worst(string label) => runs.Where(x => x.Aggregator == label && x.Attack != "none").Min(x => x.Validation);
        string expected = Worst("nb/0.01") >= Worst("nb/10") ? "nb/0.01" : "nb/10";
        var selected = File.ReadAllText(Path.Combine(dir, "grid", "selected.md"));
        Assert.Contains($"- `nb`: `{expected}` of 2", selected);
        Assert.Contains("- `mean`: `mean` of 1", selected);
        var rows = selected.Split('\n').Where(l => l.StartsWith('|')).Skip(2).Select(l => l.Trim('|').Split('|')[0].Trim()).ToList();
        Assert.Equal([expected, "mean"], rows);
        Assert.True(File.Exists(Path.Combine(dir, "grid", "validation.md")));

        static (string Aggregator, string Attack, double Validation) GridRunFields(string line)
        {
            var c = line.Split(',');
            return (c[0], c[1], double.Parse(c[11], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void A_snippet_without_a_label_is_refused_before_anything_runs()
    {
        var dir = CliRunner.Workspace(Spec);
        var r = CliRunner.Run(dir, "bench", "robust", "--job", "job.yaml", "--aggregators", "{name: krum, f: 1}", "--attacks", "none", "--out", "grid");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("name it", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dir, "grid")));
    }
}
