using System.Reflection;
using Tessera.Coordinator.Jobs;
using Tessera.Federation;
using Tessera.Federation.Strategies;
using Tessera.Protocol.Jobs;
using Tessera.Runtime;
using Tessera.Simulation;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A simulated and a deployed job are the same computation: for one spec the simulator and the coordinator get
/// the same strategy (type and parameters), training options, hyperparameters, partition and selection sequence.
/// </summary>
public class PlanParityTests
{
    [Theory]
    [InlineData("scaffold", "pathological")]
    [InlineData("fednova", "dirichlet")]
    [InlineData("fedadam", "iid")]
    public void Simulator_and_coordinator_derive_the_same_plan_from_one_spec(string strategy, string partition)
    {
        var spec = JobSpecParser.Parse($$"""
            name: parity
            model: 2nn
            rounds: 3
            clients_per_round: 4
            seed: 7
            strategy: { name: {{strategy}}, server_lr: 0.5 }
            data: { clients: 10, partition: {{partition}}, train_samples: 6000 }
            local: { epochs: 1, batch_size: 20, lr: 0.05, momentum: 0.5, clip_norm: 3 }
            """);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 1 });
        var coord = JobSetup.Create(spec, new DataCatalog(), _ => null);

        Assert.Equal(sim.Strategy.GetType(), coord.Strategy.GetType());
        Assert.Equal(Parameters(sim.Strategy), Parameters(coord.Strategy));
        Assert.Equal(Parameters(((Strategy)sim.Strategy).Selector), Parameters(((Strategy)coord.Strategy).Selector));

        Assert.Equal(sim.Setup.Options, coord.Plan.Options);
        Assert.Equal(sim.Pool.Artifacts.For(20).Sha256, coord.Artifact.Sha256);
        var taskHp = Hyperparameters.FromNamed(coord.TaskHyperparameters());
        Assert.All(coord.Artifact.Manifest.Hyperparameters.Where(h => h != "dropout_seed"), h => Assert.Equal(sim.Setup.Hyperparameters.Value(h), taskHp.Value(h)));

        Assert.Equal(sim.Data.ClientIndices, coord.Shards);

        var clients = Enumerable.Range(0, 10).Select(Simulator.ClientId).ToList();
        var model = sim.Strategy.Initialize(sim.Template.Flatten());
        for (int round = 1; round <= 5; round++)
            Assert.Equal(sim.Strategy.ConfigureRound(round, model, clients).Clients.Select(c => c.ClientId),
                coord.Strategy.ConfigureRound(round, model, clients).Clients.Select(c => c.ClientId));
    }

    /// <summary>Every public scalar property (learning rates, betas, N, seeds, fractions) as name=value.</summary>
    static string[] Parameters(object o) =>
        o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType.IsPrimitive || p.PropertyType == typeof(string) || Nullable.GetUnderlyingType(p.PropertyType) is { IsPrimitive: true })
            .Select(p => $"{p.Name}={p.GetValue(o)}").Order().ToArray();
}
