using Tessera.Data;
using Tessera.Federation;
using Tessera.Federation.Attacks;
using Tessera.Federation.Planning;
using Tessera.Federation.Robust;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>
/// The job's attack as the simulator mounts it: who is Byzantine, and either the model-poisoning attack that forges
/// their updates from the round's honest ones (<see cref="Forger"/>) or the poisoned data they train on.
/// </summary>
public sealed class SimulatedAttack
{
    internal SimulatedAttack(AttackSpec spec, Simulator sim)
    {
        Spec = spec;
        if (sim.Plan.IsAsync)
            throw new JobSpecException("simulation.attack", "attacks forge from a synchronous round's honest updates; fedbuff has no rounds");
        Byzantine = ByzantineClients.Choose(spec, sim.Available, sim.Spec.Seed);
        Forger = AttackFactory.Create(spec);
        Aggregator = DeployedAggregator.Of(sim.Strategy);
        _seed = sim.Spec.Seed;
        var train = sim.Data.Train;
        if (spec.PoisonsData && (train.Labels is null || train.LabelSize != 1))
            throw new JobSpecException("simulation.attack.name", $"{spec.Name} needs a classification data set (one label per sample)");
        if (spec.Name == AttackSpec.Backdoor)
        {
            Backdoor = new Backdoor(spec, train, sim.Data.Test, sim.Spec.Seed);
            Poisoned = new PoisonedShards(train, sim.Data.ClientIndices, Byzantine, Backdoor.Poison);
        }
        else if (spec.Name == AttackSpec.LabelFlip)
            Poisoned = new PoisonedShards(train, sim.Data.ClientIndices, Byzantine, PoisonedShards.FlipLabels);
    }

    readonly ulong _seed;

    public AttackSpec Spec { get; }
    public string Name => Spec.Name;
    /// <summary>Indices of the Byzantine clients, fixed for the job.</summary>
    public IReadOnlySet<int> Byzantine { get; }
    /// <summary>The model-poisoning attack; null for label_flip and backdoor, whose attackers train on poisoned data.</summary>
    public IAttack? Forger { get; }
    /// <summary>The rule the adaptive attacks optimize against; null: the plain mean.</summary>
    public IAggregator? Aggregator { get; }
    public PoisonedShards? Poisoned { get; }
    public Backdoor? Backdoor { get; }

    public bool IsByzantine(int client) => Byzantine.Contains(client);

    /// <summary>True when this client's update is forged rather than trained.</summary>
    public bool Forges(int client) => Forger is not null && IsByzantine(client);

    /// <summary>sign_flip with own: the attackers train honestly first, and the attack negates what they trained.</summary>
    public bool TrainsAttackers => Spec.Own == true;

    /// <summary>
    /// Forges the <paramref name="attackers"/>' updates from the round's honest ones, with the round's own random
    /// stream; <paramref name="own"/> holds the attackers' own trained updates (null where one diverged) when they
    /// train. With <c>forges: momentum</c> and the rule's client <paramref name="momentum"/>, the attack sizes its
    /// vectors against the honest momenta, and each attacker uploads the update its momentum step turns into its forged
    /// vector, so the rule combines exactly what the attack chose, as with ByzFL's worker-side momentum.
    /// </summary>
    public float[][] Forge(long round, IUpdateSet honest, IReadOnlyList<string> attackers, IReadOnlyList<float[]?>? own, ClientMomentum? momentum)
    {
        var space = Spec.Forges == AttackSpec.ForgesMomentum ? momentum : null;
        if (space is not null)
        {
            var momenta = new InMemoryUpdateSet(honest.Length);
            for (int i = 0; i < honest.Count; i++) momenta.Add(honest.ClientId(i), space.Preview(honest.ClientId(i), honest[i]), honest.Weight(i));
            honest = momenta;
            own = own?.Select((u, k) => u is null ? null : space.Preview(attackers[k], u)).ToList();
        }
        var random = new DeterministicRandom(SeedMixer.Derive(_seed, SeedMixer.Attack, round));
        var forged = Forger!.Forge(new AttackContext(honest, attackers.Count, random, Aggregator, own));
        if (space is not null)
            for (int k = 0; k < forged.Length; k++) forged[k] = space.UpdateFor(attackers[k], forged[k]);
        return forged;
    }
}
