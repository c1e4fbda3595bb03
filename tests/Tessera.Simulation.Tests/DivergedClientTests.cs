namespace Tessera.Simulation.Tests;

/// <summary>
/// A virtual client whose training diverges declines, as a real worker does: its update is not folded, its SCAFFOLD
/// c_i and top-k residual are not touched, it counts as dropped, and the simulation goes on instead of crashing.
/// </summary>
public class DivergedClientTests
{
    [Theory]
    [InlineData("fedavg", "")]
    [InlineData("scaffold", "")]
    [InlineData("fedavg", "upload: { codec: topk, fraction: 0.1 }")]
    [InlineData("fedbuff", "")]
    public void Diverged_clients_are_dropped_and_the_model_is_left_as_it_was(string strategy, string extra)
    {
        // A learning rate that overflows the weights on the first steps: every client diverges.
        var spec = Specs.Synthetic(strategy, "iid", clients: 6, perRound: 3, rounds: 2, local: "epochs: 1\n  batch_size: 10\n  lr: 1e37", extra: extra);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var initial = sim.Strategy.Initialize(sim.Template.Flatten()).Weights;

        var result = sim.Run();

        Assert.Equal(0, result.ClientUpdates);
        Assert.Equal(initial, result.Final.Weights);
        Assert.All(result.Final.Weights, w => Assert.True(float.IsFinite(w)));
        Assert.Equal(0, result.ClientStatesHeld);
        var rounds = result.Rounds.Where(r => r.Round > 0).ToList();
        if (strategy == "fedbuff")
        {
            // The buffer never fills, so no server step is taken; the run ends once every client has declined.
            Assert.Empty(rounds);
        }
        else
        {
            Assert.Equal(2, rounds.Count);
            Assert.All(rounds, r => Assert.Equal(0, r.Clients));
            Assert.All(rounds, r => Assert.Equal(3, r.Dropped));
            Assert.Equal(result.Rounds[0].TestAccuracy, rounds[^1].TestAccuracy);
        }
        if (sim.Compression is { } c) Assert.Empty(c.Residuals);
    }
}
