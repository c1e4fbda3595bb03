using Tessera.Data;

namespace Tessera.Federation.Privacy;

/// <summary>
/// Local DP: the client clips its own update to C and adds N(0, (z·C)²) before it leaves, so no one downstream, the
/// coordinator included, needs to be trusted. Each participation is a Gaussian mechanism with a replace-one
/// sensitivity of 2C, composed over the rounds the client took part in.
/// </summary>
public static class LocalPrivacy
{
    public static void PrivatizeInPlace(Span<float> update, double clip, double noiseMultiplier, DeterministicRandom random)
    {
        UpdateClipping.ClipInPlace(update, clip);
        GaussianNoise.AddInPlace(update, noiseMultiplier * clip, random);
    }

    /// <summary>The same over an update held as one array per tensor (a worker's): the norm is of all of them together.</summary>
    public static void PrivatizeInPlace(IReadOnlyList<float[]> parts, double clip, double noiseMultiplier, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(parts);
        double squares = parts.Sum(p => (double)System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(p));
        double norm = Math.Sqrt(squares);
        float scale = norm > clip ? (float)(clip / norm) : 1f;
        foreach (var p in parts)
        {
            if (scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(p, scale, p);
            GaussianNoise.AddInPlace(p, noiseMultiplier * clip, random);
        }
    }
}
