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
}
