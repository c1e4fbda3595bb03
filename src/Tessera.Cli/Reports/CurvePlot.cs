using ScottPlot;

namespace Tessera.Cli.Reports;

/// <summary>Saves a line chart (for example test accuracy per round or epoch) as a PNG.</summary>
internal static class CurvePlot
{
    public static void Save(string path, string title, string xLabel, string yLabel, params (string Name, double[] X, double[] Y)[] series)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Length > 1) plot.ShowLegend();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }
}
