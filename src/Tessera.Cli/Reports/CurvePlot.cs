using ScottPlot;

namespace Tessera.Cli.Reports;

/// <summary>Saves a line chart (for example test accuracy per round or epoch) as a PNG.</summary>
internal static class CurvePlot
{
    public static void Save(string path, string title, string xLabel, string yLabel, params (string Name, double[] X, double[] Y)[] series) =>
        Save(path, title, xLabel, yLabel, null, null, series);

    /// <param name="yMin">Lower end of the y axis (null: fit the data).</param>
    /// <param name="target">A horizontal reference line (for example the target accuracy), or null.</param>
    public static void Save(string path, string title, string xLabel, string yLabel, double? yMin, double? target, (string Name, double[] X, double[] Y)[] series)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
            if (x.Length > 100) line.MarkerSize = 0;   // long runs: a line, not a thousand dots
        }
        if (target is { } t)
        {
            var line = plot.Add.HorizontalLine(t);
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"target {t:0.##%}";
        }
        if (yMin is { } low) plot.Axes.SetLimitsY(low, Math.Max(series.Max(s => s.Y.Max()), target ?? 0) + 0.002);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Length > 1 || target is not null) plot.ShowLegend();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }
}
