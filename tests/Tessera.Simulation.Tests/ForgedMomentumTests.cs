using Tessera.Data;
using Tessera.Federation.Attacks;
using Tessera.Federation.Robust;

namespace Tessera.Simulation.Tests;

/// <summary>
/// With client momentum on the server, `forges: momentum` (the default) gives each attacker the momentum vector the
/// attack chose against the honest momenta: ByzFL's threat model, where the rule combines exactly the forged vector.
/// </summary>
public class ForgedMomentumTests
{
    const int Clients = 10;

    static (float[] Attacker, float[] Alie) AfterRun(string forges)
    {
        var spec = Specs.Synthetic("fedavg", "iid", Clients, Clients, rounds: 3,
            strategyExtra: "\n  aggregator: { name: mean, momentum: 0.9 }",
            extra: $"simulation: {{ attack: {{ name: alie, count: 2, z: 1.5{forges} }} }}");
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        sim.Run();
        var store = sim.Momenta!;
        var honest = new InMemoryUpdateSet(store.Get(Simulator.ClientId(0))!.Length);
        string? attacker = null;
        for (int i = 0; i < Clients; i++)
        {
            string id = Simulator.ClientId(i);
            if (sim.Attack!.IsByzantine(i)) attacker = id;
            else honest.Add(id, store.Get(id)!, 1);
        }
        var alie = new LittleIsEnough(1.5).Forge(new AttackContext(honest, 1, new DeterministicRandom(1)))[0];
        return (store.Get(attacker!)!, alie);
    }

    [Fact]
    public void Forging_the_momentum_leaves_the_attacker_at_alie_of_the_honest_momenta()
    {
        var (attacker, alie) = AfterRun("");
        Assert.True(Gap(attacker, alie) < 1e-4, $"momentum-space attacker {Gap(attacker, alie)} from ALIE of the momenta");

        // Forging raw updates instead averages ALIE of the raw updates over rounds, which is not ALIE of the momenta.
        var (raw, alieRaw) = AfterRun(", forges: update");
        Assert.True(Gap(raw, alieRaw) > 1e-3, $"update-space attacker within {Gap(raw, alieRaw)} of ALIE of the momenta");
    }

    static double Gap(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double gap = 0;
        for (int i = 0; i < a.Length; i++) gap = Math.Max(gap, Math.Abs(a[i] - b[i]));
        return gap;
    }
}
