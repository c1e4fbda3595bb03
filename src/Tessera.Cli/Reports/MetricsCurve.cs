using System.Globalization;

namespace Tessera.Cli.Reports;

/// <summary>
/// Test accuracy read back from a run's metrics.csv against one of its columns (round, or simulated or wall seconds);
/// rounds that were not evaluated are skipped.
/// </summary>
internal sealed record MetricsCurve(string Name, double[] Rounds, double[] X, double[] Accuracy)
{
    public static readonly string[] XColumns = ["round", "simulated_seconds", "wall_seconds"];

    /// <param name="source">A metrics.csv file, or a run's output folder holding one.</param>
    public static MetricsCurve Read(string source, string xColumn = "round")
    {
        bool folder = Directory.Exists(source);
        var path = folder ? Path.Combine(source, "metrics.csv") : source;
        if (!File.Exists(path)) throw new FileNotFoundException($"runs: no metrics.csv at {path}");
        var lines = File.ReadAllLines(path);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        int round = Array.IndexOf(header, "round"), x = Array.IndexOf(header, xColumn), accuracy = Array.IndexOf(header, "test_accuracy");
        if (round < 0 || x < 0 || accuracy < 0) throw new FormatException($"runs: {path} has no round, {xColumn} and test_accuracy columns");
        var rounds = new List<double>();
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length <= Math.Max(Math.Max(round, x), accuracy) || cells[accuracy].Length == 0) continue;
            if (!double.TryParse(cells[round], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ||
                !double.TryParse(cells[x], NumberStyles.Float, CultureInfo.InvariantCulture, out var xv) ||
                !double.TryParse(cells[accuracy], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                throw new FormatException($"runs: {path} line {i + 1} does not hold numbers: {lines[i]}");
            rounds.Add(r);
            xs.Add(xv);
            ys.Add(y);
        }
        if (xs.Count == 0) throw new FormatException($"runs: {path} has no evaluated rounds");
        var name = folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(source)) : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))!;
        return new MetricsCurve(name, [.. rounds], [.. xs], [.. ys]);
    }
}
