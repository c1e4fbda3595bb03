using System.Security.Cryptography;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>Where a party's secret bytes come from: key scalars, self-mask seeds, polynomial coefficients, nonces.</summary>
public delegate void RandomBytes(Span<byte> into);

public static class SecAggRandom
{
    /// <summary>The operating system's CSPRNG: what production parties use.</summary>
    public static RandomBytes System { get; } = RandomNumberGenerator.Fill;

    /// <summary>
    /// A reproducible stream for tests and simulations only: System.Random is not a cryptographic generator, and a
    /// party seeded with it has no secrets.
    /// </summary>
    public static RandomBytes Seeded(int seed)
    {
        var random = new Random(seed);
        return random.NextBytes;
    }
}
