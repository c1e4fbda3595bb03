using System.Globalization;

namespace Tessera.Cli.Reports;

/// <summary>Test accuracy per round read back from a run's metrics.csv (rounds that were not evaluated are skipped).</summary>
internal sealed record MetricsCurve(string Name, double[] Rounds, double[] Accuracy)
{
    /// <param name="source">A metrics.csv file, or a run's output folder holding one.</param>
    public static MetricsCurve Read(string source)
    {
        var path = Directory.Exists(source) ? Path.Combine(source, "metrics.csv") : source;
        if (!File.Exists(path)) throw new FileNotFoundException($"runs: no metrics.csv at {path}");
        var lines = File.ReadAllLines(path);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        int round = Array.IndexOf(header, "round"), accuracy = Array.IndexOf(header, "test_accuracy");
        if (round < 0 || accuracy < 0) throw new FormatException($"runs: {path} has no round and test_accuracy columns");
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length <= Math.Max(round, accuracy) || cells[accuracy].Length == 0) continue;
            if (!double.TryParse(cells[round], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ||
                !double.TryParse(cells[accuracy], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                throw new FormatException($"runs: {path} line {i + 1} is not a number pair: {lines[i]}");
            xs.Add(x);
            ys.Add(y);
        }
        if (xs.Count == 0) throw new FormatException($"runs: {path} has no evaluated rounds");
        var name = Directory.Exists(source) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(source)) : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))!;
        return new MetricsCurve(name, [.. xs], [.. ys]);
    }
}
