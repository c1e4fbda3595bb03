using Tessera.Data;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>
/// Model replacement / constrain-and-scale (Bagdasaryan et al., AISTATS 2020): each attacker trains on its data with a
/// share of its samples (<see cref="AttackSpec.PoisonFraction"/>, chosen under the seed; batches are shuffled, so about
/// that share of every batch) triggered and relabelled to the target, then scales its update by the boost so it
/// survives averaging. Its success rate is the share of triggered test samples of other classes the model puts in the
/// target class.
/// </summary>
public sealed class Backdoor
{
    public Backdoor(AttackSpec spec, Dataset train, Dataset test, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        Target = spec.Target ?? 0;
        if (train.Labels is null || train.LabelSize != 1 || Target >= train.ClassCount)
            throw new JobSpecException("simulation.attack.target", train.Labels is null || train.LabelSize != 1
                ? "a backdoor needs a classification data set (one label per sample)"
                : $"class {Target} does not exist ({train.ClassCount} classes)");
        Boost = spec.Boost;
        PoisonFraction = spec.PoisonFraction ?? 0.5;
        Trigger = BackdoorTrigger.For(train, spec.TriggerSize ?? 3);
        Seed = seed;
        Triggered = TriggeredTest(test);
    }

    public int Target { get; }
    /// <summary>The fixed boost; null scales by the round's clients / attackers (the paper's n/η with η = 1).</summary>
    public double? Boost { get; }
    public double PoisonFraction { get; }
    public BackdoorTrigger Trigger { get; }
    ulong Seed { get; }
    /// <summary>The test samples not of the target class, triggered, labelled with the target: accuracy on it is the success rate.</summary>
    public Dataset Triggered { get; }

    /// <summary>The boost for a round with <paramref name="clients"/> folded updates of which <paramref name="attackers"/> are attackers.</summary>
    public double BoostFor(int clients, int attackers) => Boost ?? (attackers == 0 ? 1 : clients / (double)attackers);

    /// <summary>Poisons the attackers' copy of their samples (for <see cref="PoisonedShards"/>).</summary>
    public Dataset Poison(Dataset copy, IReadOnlyDictionary<int, int[]> clients)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ArgumentNullException.ThrowIfNull(clients);
        var labels = (long[])copy.Labels!.Clone();
        foreach (var (client, positions) in clients)
        {
            var rng = new DeterministicRandom(Tessera.Federation.Planning.SeedMixer.Derive(Seed, Tessera.Federation.Planning.SeedMixer.Attack, -1, client));
            int poisoned = (int)Math.Ceiling(PoisonFraction * positions.Length);
            foreach (int k in rng.Permutation(positions.Length).Take(poisoned))
            {
                Trigger.Stamp(copy, positions[k]);
                labels[positions[k]] = Target;
            }
        }
        return new Dataset(copy.Features, copy.SampleShape, labels, copy.ClassCount);
    }

    Dataset TriggeredTest(Dataset test)
    {
        var others = Enumerable.Range(0, test.Count).Where(i => test.Labels![i] != Target).ToArray();
        var copy = test.Select(others);
        for (int i = 0; i < copy.Count; i++) Trigger.Stamp(copy, i);
        return new Dataset(copy.Features, copy.SampleShape, Enumerable.Repeat((long)Target, copy.Count).ToArray(), copy.ClassCount);
    }
}
