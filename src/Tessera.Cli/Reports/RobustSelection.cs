namespace Tessera.Cli.Reports;

/// <summary>
/// Hyperparameters chosen as ByzFL chooses them: by worst-case accuracy on a validation split, never on the test set.
/// Aggregator labels that share a prefix before '/' are one family's settings (`cc/t0.1`, `cc/t1`); for each family
/// the setting with the highest worst case over the attacks on validation is chosen, and its test row is what is
/// reported. A label without '/' is a family of one.
/// </summary>
internal static class RobustSelection
{
    public static string Family(string label) => label.Split('/', 2)[0];

    /// <summary>Per family, in the order first given, the chosen label; families with no validated worst case are left out.</summary>
    public static IReadOnlyList<(string Family, string Chosen, RobustGridTable.Cell ValidationWorst)> Choose(RobustGridTable validation) =>
        validation.Aggregators.GroupBy(Family)
            .Select(g => g.Select(a => (Label: a, Worst: validation.Worst(a)?.Cell)).Where(x => x.Worst is not null)
                .OrderByDescending(x => x.Worst!.Mean).ThenBy(x => x.Label, StringComparer.Ordinal)
                .Select(x => (g.Key, x.Label, x.Worst!)).FirstOrDefault())
            .Where(x => x.Item2 is not null)
            .ToList();
}
