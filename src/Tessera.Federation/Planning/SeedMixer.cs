namespace Tessera.Federation.Planning;

/// <summary>
/// The one seed rule of a job: independent seeds from (job seed, stream, round, client) with SplitMix64
/// finalizers. The simulator and the coordinator both derive partitions, selection and training seeds here,
/// so neither depends on which process, thread or order ran a client.
/// </summary>
public static class SeedMixer
{
    public static ulong Derive(ulong seed, ulong stream, long round = 0, long client = 0)
    {
        ulong h = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ stream);
        h = Mix(h ^ unchecked((ulong)round));
        return Mix(h ^ unchecked((ulong)client));
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // Named streams keep the derived seeds of different purposes apart.
    public const ulong Partition = 1, Training = 2, Speeds = 3, AsyncSelection = 4, Selection = 5, SyntheticTrain = 6, SyntheticTest = 7, HoldOut = 8,
        Byzantine = 20, Attack = 21;   // numbered apart so streams added elsewhere meanwhile do not collide
    /// <summary>The robust stage's shuffles (bucketing), mixed with the round.</summary>
    public const ulong RobustMixing = 16;
    /// <summary>The simulator's DP noise, mixed with the round (the coordinator draws its noise unpredictably).</summary>
    public const ulong PrivacyNoise = 30, LocalPrivacyNoise = 31;
    /// <summary>The simulator's secure rounds: stochastic rounding and distributed-DP shares per client, the parties' keys per round.</summary>
    public const ulong SecureRounding = 32, SecureNoiseShare = 33, SecureParties = 34;
}
