namespace Tessera.Simulation.Tests;

/// <summary>Deadlines and over-selection: a round closes with the clients that finished in (simulated) time.</summary>
public class StragglerTests
{
    [Fact]
    public void A_client_slower_than_the_deadline_is_left_out_of_the_aggregate()
    {
        // 401 samples over 2 IID clients: c0 has 201, c1 has 200, so the round's sample count names who was folded.
        var spec = Specs.Synthetic("fedavg", "iid", clients: 2, perRound: 2, rounds: 2, trainSamples: 401, extra: "deadline_seconds: 5");
        var folded = new List<string>();
        var options = new SimulationOptions
        {
            Parallelism = 2,
            ClientSpeed = c => c == 1 ? 1.0 : 1000.0,   // c1 needs 200 s for its 200 samples, c0 0.2 s
            Events = new SimulationEvents { UpdateFolded = (_, id) => { lock (folded) folded.Add(id); } },
        };
        using var sim = new Simulator(spec, options);
        Assert.Equal(201, sim.Data.ClientIndices[0].Length);
        var result = sim.Run();

        Assert.Equal(["c0", "c0"], folded);
        Assert.All(result.Rounds.Skip(1), r =>
        {
            Assert.Equal(1, r.Clients);
            Assert.Equal(201, r.Samples);
            Assert.Equal(1, r.Dropped);
        });
        // The round waited until its deadline for the missing client.
        Assert.Equal(10.0, result.Rounds[^1].SimulatedSeconds, 6);

        // Control: without the deadline both clients count.
        using var relaxed = new Simulator(spec with { DeadlineSeconds = null }, options with { Events = new SimulationEvents() });
        Assert.All(relaxed.Run().Rounds.Skip(1), r => Assert.Equal(401, r.Samples));
    }

    [Fact]
    public void Over_selected_rounds_close_when_the_target_count_has_finished()
    {
        // 4 clients, target 2, over-selection 2x invites all 4; the two fastest (c2, c3) are folded.
        var spec = Specs.Synthetic("fedavg", "iid", clients: 4, perRound: 2, rounds: 1, trainSamples: 400, extra: "over_selection: 2");
        var folded = new List<string>();
        var options = new SimulationOptions
        {
            Parallelism = 2,
            ClientSpeed = c => 100.0 * (c + 1),
            Events = new SimulationEvents { UpdateFolded = (_, id) => { lock (folded) folded.Add(id); } },
        };
        using var sim = new Simulator(spec, options);
        var result = sim.Run();
        Assert.Equal(["c2", "c3"], folded.Order());
        Assert.Equal(2, result.Rounds[^1].Dropped);
        Assert.Equal(100 / 300.0, result.Rounds[^1].SimulatedSeconds, 6);   // c2's 100 samples at 300/s
    }
}
