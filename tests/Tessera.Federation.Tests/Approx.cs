namespace Tessera.Federation.Tests;

internal static class Approx
{
    public static void Equal(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"Element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
    }

    public static void Equal(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance) =>
        Equal(expected.Select(x => (double)x).ToArray(), actual, tolerance);
}
