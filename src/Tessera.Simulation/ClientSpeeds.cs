using Tessera.Data;
using Tessera.Protocol.Jobs;

using Tessera.Federation.Planning;

namespace Tessera.Simulation;

/// <summary>
/// Each virtual client's speed in training samples per second: log-normal around the spec's median under the
/// job seed, or supplied by the caller (tests pin a known-slow client). Computed on demand from the client's
/// index, so 10,000 registered clients cost no memory for speeds.
/// </summary>
public sealed class ClientSpeeds
{
    readonly Func<int, double> _speedOf;

    public ClientSpeeds(Func<int, double> speedOf) => _speedOf = speedOf;

    public static ClientSpeeds From(JobSpec spec)
    {
        double median = spec.Simulation.SamplesPerSecond, sigma = spec.Simulation.SpeedSigma;
        if (sigma == 0) return new ClientSpeeds(_ => median);
        return new ClientSpeeds(client =>
        {
            var rng = new DeterministicRandom(SeedMixer.Derive(spec.Seed, SeedMixer.Speeds, 0, client));
            return median * Math.Exp(sigma * rng.NextGaussian());
        });
    }

    public double SamplesPerSecond(int client) => _speedOf(client);

    /// <summary>Simulated seconds for a task of <paramref name="samplesTrained"/> samples.</summary>
    public double Seconds(int client, long samplesTrained) => samplesTrained / SamplesPerSecond(client);
}
