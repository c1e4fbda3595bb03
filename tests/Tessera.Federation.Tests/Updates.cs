namespace Tessera.Federation.Tests;

/// <summary>Test data builders.</summary>
internal static class Updates
{
    public static ClientUpdate Of(string id, float[] delta, long samples = 1, int steps = 1, float[]? dc = null, long baseVersion = 0) =>
        new(id, delta, samples, steps, dc, baseVersion);

    public static float[] Random(Random rng, int length, float scale = 1f)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return x;
    }
}
