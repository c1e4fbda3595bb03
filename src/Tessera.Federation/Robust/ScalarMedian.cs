namespace Tessera.Federation.Robust;

/// <summary>The median of a handful of per-update scalars (norms, distances): the middle value, or the mean of the two middle ones.</summary>
internal static class ScalarMedian
{
    public static double Of(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
