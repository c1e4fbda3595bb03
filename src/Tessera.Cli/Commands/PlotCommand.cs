using System.CommandLine;
using Tessera.Cli.Reports;

namespace Tessera.Cli.Commands;

/// <summary>`tessera plot`: test accuracy per round of several runs on one chart, to compare strategies or settings.</summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "run output folders (out/simulate/<job>) or their metrics.csv files", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "PNG to write", DefaultValueFactory = _ => "runs.png" };
        var title = new Option<string>("--title") { Description = "chart title", DefaultValueFactory = _ => "test accuracy per round" };
        var yMin = new Option<double?>("--y-min") { Description = "lower end of the accuracy axis (zoom on the last points), in [0, 1)" };
        var target = new Option<double?>("--target") { Description = "draw the target accuracy as a horizontal line, in (0, 1]" };
        var x = new Option<string>("--x") { Description = "horizontal axis: round, simulated_seconds (compare synchronous and asynchronous runs by time) or wall_seconds", DefaultValueFactory = _ => "round" };
        var cmd = new Command("plot", "Compare runs: test accuracy per round of each on one PNG") { runs, output, title, yMin, target, x };
        cmd.SetAction(pr => Guarded.Run(() => Run(pr.GetValue(runs)!, pr.GetValue(output)!, pr.GetValue(title)!, pr.GetValue(yMin), pr.GetValue(target), pr.GetValue(x)!)));
        return cmd;
    }

    static int Run(string[] runs, string output, string title, double? yMin, double? target, string x)
    {
        CliOptions.Require(MetricsCurve.XColumns.Contains(x), "--x", $"must be one of {string.Join(", ", MetricsCurve.XColumns)}");
        CliOptions.Require(yMin is null or (>= 0 and < 1), "--y-min", "must be in [0, 1)");
        CliOptions.Require(target is null or (> 0 and <= 1), "--target", "must be in (0, 1]");
        CliOptions.Require(output.EndsWith(".png", StringComparison.OrdinalIgnoreCase), "--out", "must name a .png file");
        var curves = runs.Select(r => MetricsCurve.Read(r, x)).ToArray();
        CurvePlot.Save(output, title, x.Replace('_', ' '), "test accuracy", yMin, target, [.. curves.Select(c => (c.Name, c.X, c.Accuracy))]);
        foreach (var c in curves)
        {
            int reached = target is { } t ? Array.FindIndex(c.Accuracy, a => a >= t) : -1;
            Guarded.Info($"{Spectre.Console.Markup.Escape(c.Name)}: {c.Rounds.Length} evaluated rounds, best {c.Accuracy.Max():P2}" +
                         (target is null ? "" : reached < 0 ? ", target not reached"
                             : $", target at round {c.Rounds[reached]}" + (x == "round" ? "" : $" ({x.Replace('_', ' ')} {c.X[reached]:0.#})")));
        }
        Guarded.Info($"plot {Spectre.Console.Markup.Escape(output)}");
        return 0;
    }
}
