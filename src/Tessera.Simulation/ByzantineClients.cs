using Tessera.Data;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>
/// Which clients are Byzantine: fixed for the whole job from its seed, the first ⌈fraction · clients⌉ (or count) of a
/// seeded permutation of the clients that hold data. Selection does not know them: a round draws Byzantine clients in
/// proportion, as a deployed job would meet them.
/// </summary>
internal static class ByzantineClients
{
    public static IReadOnlySet<int> Choose(AttackSpec attack, IReadOnlyList<string> available, ulong jobSeed)
    {
        int f = attack.Count ?? (int)Math.Ceiling((attack.Fraction ?? 0) * available.Count - 1e-9);   // 0.25 · 20 is 5, not 6
        f = Math.Min(f, available.Count);
        var order = new DeterministicRandom(SeedMixer.Derive(jobSeed, SeedMixer.Byzantine)).Permutation(available.Count);
        return order.Take(f).Select(i => Simulator.ClientIndex(available[i])).ToHashSet();
    }
}
