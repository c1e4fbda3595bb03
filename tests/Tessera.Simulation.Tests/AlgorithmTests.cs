using Xunit.Abstractions;

namespace Tessera.Simulation.Tests;

/// <summary>Each client-side algorithm compiles, trains and helps on a label-skewed (pathological) split.</summary>
public class AlgorithmTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("scaffold", "")]
    [InlineData("fedprox", "\n  mu: 0.1")]
    [InlineData("fedadam", "\n  server_lr: 0.05")]
    public void Strategy_improves_accuracy_on_a_non_iid_split(string strategy, string knobs)
    {
        var spec = Specs.Synthetic(strategy, "pathological", clients: 20, perRound: 5, rounds: 5, strategyExtra: knobs);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var result = sim.Run();
        var acc = result.Rounds.Select(r => r.TestAccuracy!.Value).ToArray();
        output.WriteLine($"{strategy}: {string.Join(", ", acc.Select(a => a.ToString("P1")))}");
        Assert.True(acc[^1] > acc[0] + 0.25, $"{strategy}: {acc[0]:P1} -> {acc[^1]:P1}");
        Assert.All(result.Rounds.Skip(1), r => Assert.True(double.IsFinite(r.MeanTrainLoss)));
    }

    [Fact]
    public void Scaffold_keeps_control_variates_only_for_clients_that_trained()
    {
        var spec = Specs.Synthetic("scaffold", "pathological", clients: 20, perRound: 3, rounds: 2);
        var folded = new HashSet<string>();
        var options = new SimulationOptions { Parallelism = 2, Events = new SimulationEvents { UpdateFolded = (_, id) => { lock (folded) folded.Add(id); } } };
        using var sim = new Simulator(spec, options);
        var result = sim.Run();
        // The server control variate moved away from zero: Δc from the clients reached it.
        var c = result.Final.State.Get(Federation.Strategies.Scaffold.ControlVariateKey)!;
        Assert.Contains(c, v => v != 0);
        Assert.InRange(folded.Count, 3, 6);
        Assert.Equal(folded.Count, result.ClientStatesHeld);
    }

    [Fact]
    public void FedBuff_async_run_improves_accuracy_and_counts_server_steps()
    {
        var spec = Specs.Synthetic("fedbuff", "iid", clients: 20, perRound: 6, rounds: 6, strategyExtra: "\n  buffer_size: 3",
            extra: "simulation: { samples_per_second: 100, speed_sigma: 0.8 }");
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var result = sim.Run();
        var acc = result.Rounds.Select(r => r.TestAccuracy!.Value).ToArray();
        output.WriteLine($"fedbuff: {string.Join(", ", acc.Select(a => a.ToString("P1")))}");
        Assert.Equal(7, result.Rounds.Count);                     // initial + 6 server steps
        Assert.All(result.Rounds.Skip(1), r => Assert.Equal(3, r.Clients));   // one buffer per step
        Assert.True(result.Rounds.Zip(result.Rounds.Skip(1)).All(p => p.Second.SimulatedSeconds >= p.First.SimulatedSeconds));
        Assert.True(acc[^1] > acc[0] + 0.25, $"fedbuff: {acc[0]:P1} -> {acc[^1]:P1}");
    }
}
