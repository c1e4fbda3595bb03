namespace Tessera.Simulation.Tests;

/// <summary>
/// <c>patience</c>: a run whose test accuracy stops improving ends early instead of running to its round cap, and a
/// resumed run decides from the whole history (patience may be added when resuming; it does not change the digest).
/// </summary>
public class EarlyStopTests
{
    // Every client diverges, so the model never changes and the accuracy of round 1 is never beaten.
    static readonly string Diverging = "epochs: 1\n  batch_size: 10\n  lr: 1e37";

    [Theory, InlineData("fedavg"), InlineData("scaffold")]
    public void A_run_that_stops_improving_ends_when_patience_runs_out(string strategy)
    {
        var spec = Specs.Synthetic(strategy, "iid", clients: 6, perRound: 3, rounds: 50, local: Diverging, extra: "patience: 3");
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        var result = sim.Run();
        Assert.Equal([0, 1, 2, 3, 4], result.Rounds.Select(r => r.Round));
        Assert.Null(result.RoundsToTarget);
        Assert.StartsWith("no new best test accuracy for 3 rounds", result.StoppedEarly);
        Assert.Contains("at round 1)", result.StoppedEarly);
    }

    [Fact]
    public void An_improving_run_is_not_stopped_and_reaching_the_target_is_not_called_early()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 6, perRound: 3, rounds: 4, extra: "patience: 1");
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 }))
        {
            var result = sim.Run();
            // Synthetic blobs are learned within a round or two; patience 1 stops at the first round that is not a new best.
            var evaluated = result.Rounds.Where(r => r.Round > 0).Select(r => r.TestAccuracy!.Value).ToList();
            for (int i = 1; i < evaluated.Count - 1; i++) Assert.True(evaluated[i] > evaluated[i - 1]);
            if (evaluated.Count < 4) Assert.NotNull(result.StoppedEarly);
        }
        using var reaching = new Simulator(spec with { TargetAccuracy = 0.5, Patience = 1 }, new SimulationOptions { Parallelism = 2 });
        var reached = reaching.Run();
        Assert.NotNull(reached.RoundsToTarget);
        Assert.Null(reached.StoppedEarly);
    }

    [Fact]
    public void Patience_added_on_resume_counts_the_rounds_run_before()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 6, perRound: 3, rounds: 50, local: Diverging);
        SimulationCheckpoint? saved = null;
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, Rounds = 3, CheckpointEvery = 1, Events = new SimulationEvents { Checkpoint = c => saved = c } }))
            sim.Run();
        Assert.Equal(3, saved!.Round);

        var announced = new List<int>();
        using var resumed = new Simulator(spec with { Patience = 3 }, new SimulationOptions { Parallelism = 2, ResumeFrom = saved, Events = new SimulationEvents { RoundFinished = m => announced.Add(m.Round) } });
        var result = resumed.Run();
        Assert.Equal([4], announced);   // the best was round 1: rounds 2-4 make three without a new best
        Assert.Contains("stopped at round 4", result.StoppedEarly);
    }
}
