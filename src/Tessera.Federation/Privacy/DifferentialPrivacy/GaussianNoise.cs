using Tessera.Data;

namespace Tessera.Federation.Privacy;

/// <summary>
/// Adds N(0, σ²) to every coordinate. The simulator seeds it from the job seed (reproducible runs); the coordinator
/// from the operating system's generator, so no worker can predict the noise and subtract it.
/// </summary>
public static class GaussianNoise
{
    public static void AddInPlace(Span<float> values, double sigma, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and non-negative");
        if (sigma == 0) return;
        for (int i = 0; i < values.Length; i++) values[i] += (float)(sigma * random.NextGaussian());
    }

    /// <summary>A generator no one can replay: seeded from the operating system's cryptographic generator.</summary>
    public static DeterministicRandom Unpredictable() =>
        new(BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
}
