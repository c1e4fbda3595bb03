namespace Tessera.Simulation.Tests;

/// <summary>Client momentum of the robust stage survives a checkpoint: a resumed run equals an unbroken one.</summary>
public class MomentumResumeTests
{
    [Fact]
    public void Resumed_run_with_client_momentum_matches_an_unbroken_run()
    {
        var spec = Specs.Synthetic("fedavg", "dirichlet", clients: 8, perRound: 4, rounds: 5,
            strategyExtra: "\n  aggregator: { name: centered_clip, tau: 0.5, momentum: 0.9 }");

        SimulationResult unbroken;
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 })) unbroken = sim.Run();

        byte[]? saved = null;
        var first = new SimulationOptions { Parallelism = 2, Rounds = 3, CheckpointEvery = 1, Events = new SimulationEvents { Checkpoint = c => saved = c.ToBytes() } };
        using (var sim = new Simulator(spec, first)) sim.Run();
        var checkpoint = SimulationCheckpoint.FromBytes(saved!);
        Assert.Equal(3, checkpoint.Round);
        Assert.NotEmpty(checkpoint.ClientMomentum!);                  // every client that took part so far
        Assert.All(checkpoint.ClientMomentum!.Keys, id => Assert.StartsWith("c", id));
        Assert.NotNull(checkpoint.Rounds[^1].Robust);                 // the fates' summary goes through the metadata JSON

        SimulationResult resumed;
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, ResumeFrom = checkpoint })) resumed = sim.Run();

        // Without the momenta the resumed rounds would start each client's momentum afresh and differ.
        Assert.Equal(unbroken.Final.Weights, resumed.Final.Weights);
        Assert.Equal(unbroken.Rounds.Select(r => r.Robust), resumed.Rounds.Select(r => r.Robust));
    }
}
