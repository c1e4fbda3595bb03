using Tessera.Cli.Reports;

namespace Tessera.Cli.Tests;

/// <summary>ByzFL's rule: a family's setting is chosen by its worst case on validation, and the test set only reports.</summary>
public sealed class RobustSelectionTests
{
    static GridRun Run(string aggregator, string attack, double test, double validation) =>
        new(aggregator, attack, 1, 10, "d", test, test, 0, null, null, 1, validation);

    [Fact]
    public void Each_family_keeps_the_setting_with_the_best_validation_worst_case_even_where_the_test_set_would_pick_another()
    {
        string[] aggregators = ["cc/t0.1", "cc/t1", "cc/t10", "median"];
        string[] attacks = ["none", "alie", "ipm"];
        var runs = new List<GridRun>
        {
            // t0.1: best on test in the worst case (0.80), but second on validation (0.70).
            Run("cc/t0.1", "none", 0.95, 0.95), Run("cc/t0.1", "alie", 0.80, 0.70), Run("cc/t0.1", "ipm", 0.85, 0.90),
            // t1: its validation worst case (ipm 0.75) is the family's best; its test worst case is 0.60.
            Run("cc/t1", "none", 0.96, 0.96), Run("cc/t1", "alie", 0.60, 0.80), Run("cc/t1", "ipm", 0.90, 0.75),
            // t10: a high clean accuracy does not help: its worst case is low.
            Run("cc/t10", "none", 0.99, 0.99), Run("cc/t10", "alie", 0.20, 0.20), Run("cc/t10", "ipm", 0.90, 0.90),
            Run("median", "none", 0.90, 0.90), Run("median", "alie", 0.50, 0.55), Run("median", "ipm", 0.70, 0.65),
        };
        var validation = new RobustGridTable(aggregators, attacks, runs, r => r.ValidationAccuracy);
        var chosen = RobustSelection.Choose(validation);
        Assert.Equal([("cc", "cc/t1"), ("median", "median")], chosen.Select(c => (c.Family, c.Chosen)));
        Assert.Equal(0.75, chosen[0].ValidationWorst.Mean, 9);
        // The test table would have chosen t0.1: the two tables must be different grids.
        var test = new RobustGridTable(aggregators, attacks, runs);
        Assert.Equal(0.80, test.Worst("cc/t0.1")!.Value.Cell.Mean, 9);
        Assert.Equal(0.60, test.Worst("cc/t1")!.Value.Cell.Mean, 9);
    }

    [Fact]
    public void Runs_written_before_the_validation_column_still_read()
    {
        var old = "mean,none,1,10,abc,0.9,0.91,0,,,12.5";
        var r = GridRun.FromCsv(old);
        Assert.Equal(0.9, r.FinalAccuracy);
        Assert.Null(r.ValidationAccuracy);
        var now = Run("cc/t1", "alie", 0.6, 0.8);
        Assert.Equal(now, GridRun.FromCsv(now.ToCsv()));
    }
}
