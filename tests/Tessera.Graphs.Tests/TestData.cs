using Tessera.Graphs.Zoo;

namespace Tessera.Graphs.Tests;

/// <summary>Small deterministic inputs for tests.</summary>
internal static class TestData
{
    public static float[] Floats(long n, ulong seed, float scale = 1f) => new WeightInit(seed).Uniform(n, scale);

    public static long[] Classes(long n, long classes, ulong seed)
    {
        var r = new WeightInit(seed);
        return Enumerable.Range(0, (int)n).Select(_ => (long)(r.NextFloat() * classes) % classes).ToArray();
    }

    /// <summary>Linearly separable-ish blobs: class c centred at a fixed random point.</summary>
    public static (float[] X, long[] Y) Blobs(int n, int dim, int classes, ulong seed)
    {
        var centers = Floats(classes * dim, seed + 1, 2f);
        var noise = Floats((long)n * dim, seed + 2, 0.5f);
        var y = Classes(n, classes, seed + 3);
        var x = new float[n * dim];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < dim; d++)
                x[i * dim + d] = centers[y[i] * dim + d] + noise[i * dim + d];
        return (x, y);
    }
}
