namespace Tessera.Simulation.Tests;

/// <summary>A run stopped after a checkpoint and continued equals an unbroken run, bit for bit.</summary>
public class ResumeTests
{
    [Theory]
    [InlineData("scaffold", "")]                        // per-client c_i and the server's c
    [InlineData("fedadam", "\n  server_lr: 0.05")]      // server optimizer moments
    [InlineData("fedavg", "")]
    [InlineData("fedavg", "", "upload: { codec: topk, fraction: 0.05 }")] // per-client top-k residuals
    public void Resumed_run_matches_an_unbroken_run(string strategy, string knobs, string extra = "")
    {
        var spec = Specs.Synthetic(strategy, "pathological", clients: 12, perRound: 4, rounds: 5, strategyExtra: knobs, extra: extra);

        SimulationResult unbroken;
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 })) unbroken = sim.Run();

        // First leg: three rounds, checkpoint every round; keep the last one, through its bytes as the CLI does.
        byte[]? saved = null;
        var first = new SimulationOptions { Parallelism = 2, Rounds = 3, CheckpointEvery = 1, Events = new SimulationEvents { Checkpoint = c => saved = c.ToBytes() } };
        using (var sim = new Simulator(spec, first)) sim.Run();
        var checkpoint = SimulationCheckpoint.FromBytes(saved!);
        Assert.Equal(3, checkpoint.Round);
        Assert.Equal(4, checkpoint.Rounds.Count);   // round 0 (initial model) and rounds 1..3

        var announced = new List<int>();
        var second = new SimulationOptions { Parallelism = 2, ResumeFrom = checkpoint, Events = new SimulationEvents { RoundFinished = m => announced.Add(m.Round) } };
        SimulationResult resumed;
        using (var sim = new Simulator(spec, second)) resumed = sim.Run();

        Assert.Equal([4, 5], announced);
        Assert.Equal(unbroken.Final.Weights, resumed.Final.Weights);
        Assert.Equal(unbroken.Final.Version, resumed.Final.Version);
        foreach (var name in unbroken.Final.State.Names) Assert.Equal(unbroken.Final.State.Get(name), resumed.Final.State.Get(name));
        Assert.Equal(unbroken.ClientUpdates, resumed.ClientUpdates);
        Assert.Equal(unbroken.Rounds.Select(r => r.TestAccuracy), resumed.Rounds.Select(r => r.TestAccuracy));
        Assert.Equal(unbroken.ClientStatesHeld, resumed.ClientStatesHeld);
    }

    [Fact]
    public void Checkpoint_of_another_spec_is_refused()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 6, perRound: 2, rounds: 2);
        SimulationCheckpoint? saved = null;
        using (var sim = new Simulator(spec, new SimulationOptions { Parallelism = 1, CheckpointEvery = 1, Events = new SimulationEvents { Checkpoint = c => saved = c } }))
            sim.Run();
        var other = spec with { Local = spec.Local with { LearningRate = 0.5 } };
        using var resumed = new Simulator(other, new SimulationOptions { Parallelism = 1, ResumeFrom = saved });
        var e = Assert.Throws<InvalidOperationException>(() => resumed.Run());
        Assert.Contains("different job spec", e.Message);
        // Raising the round cap is allowed: it is how a finished leg goes on.
        using var longer = new Simulator(spec with { Rounds = 3 }, new SimulationOptions { Parallelism = 1, ResumeFrom = saved });
        Assert.Equal(3, longer.Run().Rounds[^1].Round);
    }

    [Fact]
    public void Digest_covers_only_settings_that_differ_from_defaults()
    {
        // A setting a later version adds arrives at its default, which must not orphan older checkpoints.
        var spec = Specs.Synthetic("fedavg", "iid", clients: 6, perRound: 2, rounds: 2);
        var json = SimulationCheckpoint.CanonicalJson(spec);
        Assert.DoesNotContain("\"Upload\"", json);
        Assert.DoesNotContain("\"Simulation\"", json);
        Assert.Contains("\"Strategy\"", json);
        Assert.Equal(SimulationCheckpoint.Digest(spec), SimulationCheckpoint.Digest(spec with { Upload = new(), Rounds = 50, TargetAccuracy = 0.9 }));

        // Any setting away from its default, however deep, is part of the computation.
        var topk = spec with { Upload = new() { Codec = "topk" } };
        Assert.Contains("topk", SimulationCheckpoint.CanonicalJson(topk));
        Assert.NotEqual(SimulationCheckpoint.Digest(spec), SimulationCheckpoint.Digest(topk));
        Assert.NotEqual(SimulationCheckpoint.Digest(spec), SimulationCheckpoint.Digest(spec with { Data = spec.Data with { Alpha = 0.3 } }));
        Assert.NotEqual(SimulationCheckpoint.Digest(spec), SimulationCheckpoint.Digest(spec with { Seed = 2 }));
    }
}
