namespace Tessera.Cli.Reports;

/// <summary>Order statistics for benchmark tables.</summary>
internal static class Quantiles
{
    /// <summary>The q-quantile of already sorted values: the element at ⌊q·n⌋ (NaN when there are none).</summary>
    public static double Of(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];
}
