namespace Tessera.Graphs.Zoo;

/// <summary>
/// Deterministic initial weights (SplitMix64), so a model built twice from one seed is bit-identical on
/// every platform. Uniform bounds follow PyTorch's defaults for Linear and Conv (1/sqrt(fan_in)).
/// </summary>
public sealed class WeightInit(ulong seed)
{
    ulong _state = seed;

    ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));

    public float[] Uniform(long count, float bound)
    {
        var v = new float[count];
        for (long i = 0; i < count; i++) v[i] = (NextFloat() * 2f - 1f) * bound;
        return v;
    }

    public float[] Normal(long count, float std)
    {
        var v = new float[count];
        for (long i = 0; i < count; i++)
        {
            double u1 = Math.Max(NextFloat(), 1e-7), u2 = NextFloat();
            v[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }
}
