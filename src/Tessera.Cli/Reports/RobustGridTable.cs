using System.Globalization;
using System.Text;

namespace Tessera.Cli.Reports;

/// <summary>
/// One finished run of the robustness grid: its final-round test accuracy, the final model's accuracy on the
/// validation split when the spec holds one out (simulation.validation_samples), and what the robust stage did.
/// </summary>
internal sealed record GridRun(string Aggregator, string Attack, ulong Seed, int Rounds, string Digest, double FinalAccuracy, double BestAccuracy,
    double MeanExcluded, double? MeanByzantineShare, double? MeanHonestShare, double WallSeconds, double? ValidationAccuracy = null)
{
    public const string CsvHeader = "aggregator,attack,seed,rounds,digest,final_accuracy,best_accuracy,mean_excluded,mean_byzantine_share,mean_honest_share,wall_seconds,validation_accuracy";

    public string ToCsv() => string.Join(',', Aggregator, Attack, Seed.ToString(CultureInfo.InvariantCulture), Rounds.ToString(CultureInfo.InvariantCulture), Digest,
        F(FinalAccuracy), F(BestAccuracy), F(MeanExcluded), F(MeanByzantineShare), F(MeanHonestShare), F(WallSeconds), F(ValidationAccuracy));

    /// <summary>A runs.csv line; lines written before the validation column (11 fields) read with none.</summary>
    public static GridRun FromCsv(string line)
    {
        var c = line.Split(',');
        if (c.Length is not (11 or 12)) throw new FormatException($"expected 11 or 12 fields: {line}");
        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        static double? N(string s) => s.Length == 0 ? null : D(s);
        return new GridRun(c[0], c[1], ulong.Parse(c[2], CultureInfo.InvariantCulture), int.Parse(c[3], CultureInfo.InvariantCulture), c[4],
            D(c[5]), D(c[6]), D(c[7]), N(c[8]), N(c[9]), D(c[10]), c.Length > 11 ? N(c[11]) : null);
    }

    static string F(double? v) => v is { } d && double.IsFinite(d) ? d.ToString("G6", CultureInfo.InvariantCulture) : "";
}

/// <summary>
/// The grid's summary: per aggregator, final-round accuracy without attack and under each attack (mean ± sample std
/// over seeds), the worst case over the attacks (the lowest mean), and the clean cost against the plain mean (its clean
/// accuracy minus this one's, in points; needs a "mean" row and a "none" column).
/// </summary>
internal sealed class RobustGridTable
{
    /// <param name="accuracy">Which accuracy of a run the cells hold: its final-round test accuracy unless given (runs without one are left out).</param>
    public RobustGridTable(IReadOnlyList<string> aggregators, IReadOnlyList<string> attacks, IReadOnlyList<GridRun> runs, Func<GridRun, double?>? accuracy = null)
    {
        accuracy ??= r => r.FinalAccuracy;
        Aggregators = aggregators;
        Attacks = attacks;
        Cells = new Dictionary<(string, string), Cell>();
        foreach (var a in aggregators)
            foreach (var t in attacks)
                if (runs.Where(r => r.Aggregator == a && r.Attack == t).Select(accuracy).OfType<double>().ToArray() is { Length: > 0 } xs)
                    Cells[(a, t)] = Cell.Of(xs);
    }

    public IReadOnlyList<string> Aggregators { get; }
    /// <summary>Column order as given; <see cref="GridEntry.None"/> is the clean column.</summary>
    public IReadOnlyList<string> Attacks { get; }
    public Dictionary<(string Aggregator, string Attack), Cell> Cells { get; }

    public sealed record Cell(double Mean, double Std, int Seeds)
    {
        public static Cell Of(double[] xs)
        {
            double mean = xs.Average();
            double std = xs.Length < 2 ? 0 : Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
            return new Cell(mean, std, xs.Length);
        }
    }

    IEnumerable<string> AttackColumns => Attacks.Where(t => t != GridEntry.None);

    /// <summary>The attack with the lowest mean accuracy for this aggregator, or null when none of its attack cells ran.</summary>
    public (string Attack, Cell Cell)? Worst(string aggregator) =>
        AttackColumns.Where(t => Cells.ContainsKey((aggregator, t))).Select(t => (t, Cells[(aggregator, t)]))
            .OrderBy(x => x.Item2.Mean).ThenBy(x => x.t, StringComparer.Ordinal).Select(x => ((string, Cell)?)x).FirstOrDefault();

    /// <summary>Clean accuracy of "mean" minus this aggregator's, in accuracy units (0.01 = one point).</summary>
    public double? CleanCost(string aggregator) =>
        Cells.TryGetValue(("mean", GridEntry.None), out var mean) && Cells.TryGetValue((aggregator, GridEntry.None), out var own) ? mean.Mean - own.Mean : null;

    static string Pct(Cell c) => string.Create(CultureInfo.InvariantCulture, $"{100 * c.Mean:F1} ± {100 * c.Std:F1}");

    public string[] Header => ["aggregator", .. Attacks.Select(t => t == GridEntry.None ? "clean" : t), "worst", "worst attack", "clean cost vs mean (points)"];

    public List<string[]> Rows() => Aggregators.Select(a =>
    {
        var cells = Attacks.Select(t => Cells.TryGetValue((a, t), out var c) ? Pct(c) : "–");
        var worst = Worst(a);
        var cost = CleanCost(a);
        return (string[])[a, .. cells, worst is { } w ? Pct(w.Cell) : "–", worst?.Attack ?? "–",
            cost is { } d ? (100 * d).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) : "–"];
    }).ToList();

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", Header).AppendLine(" |");
        sb.Append('|').Append(string.Concat(Enumerable.Repeat("---|", Header.Length))).AppendLine();
        foreach (var r in Rows()) sb.Append("| ").AppendJoin(" | ", r).AppendLine(" |");
        return sb.ToString();
    }

    /// <summary>One line per (aggregator, attack) cell, plus a "worst" line per aggregator: raw fractions, for plots and checks.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("aggregator,attack,mean_accuracy,std_accuracy,seeds,clean_cost\n");
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        foreach (var a in Aggregators)
        {
            string cost = CleanCost(a) is { } d ? F(d) : "";
            foreach (var t in Attacks)
                if (Cells.TryGetValue((a, t), out var c)) sb.AppendLine($"{a},{t},{F(c.Mean)},{F(c.Std)},{c.Seeds},{cost}");
            if (Worst(a) is { } w) sb.AppendLine($"{a},worst:{w.Attack},{F(w.Cell.Mean)},{F(w.Cell.Std)},{w.Cell.Seeds},{cost}");
        }
        return sb.ToString();
    }
}
