namespace Tessera.Simulation.Tests;

/// <summary>Each round's metrics summarize the robust stage's fates, with the attackers told apart from honest clients.</summary>
public class RobustFatesMetricsTests
{
    static SimulationResult Run(string aggregator, out Simulator sim)
    {
        // Every client every round, 2 of 10 sending large independent noise: easy for Krum to drop, for norm_bound to clip.
        var spec = Specs.Synthetic("fedavg", "iid", clients: 10, perRound: 10, rounds: 3, trainSamples: 1000, testSamples: 200,
            strategyExtra: $"\n  aggregator: {aggregator}", extra: "simulation:\n  attack: { name: gaussian, sigma: 10, count: 2 }");
        sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
        return sim.Run();
    }

    [Fact]
    public void Krum_rounds_report_the_attackers_excluded_and_one_honest_update_kept()
    {
        var result = Run("{ name: krum, f: 2 }", out var sim);
        using (sim)
        {
            foreach (var r in result.Rounds.Where(r => r.Round > 0))
            {
                var s = Assert.IsType<RobustRoundStats>(r.Robust);
                Assert.Equal(9, s.Excluded);               // Krum keeps one update of ten
                Assert.Equal(0, s.Clipped);
                Assert.Equal(0, s.ByzantineShare);
                Assert.Equal(1.0 / 8, s.HonestShare!.Value, 1e-9);   // the kept one has share 1, the other 7 honest 0
            }
            Assert.Null(result.Rounds[0].Robust);          // the initial model had no round
        }
    }

    [Fact]
    public void Norm_bound_rounds_report_the_clipped_attackers()
    {
        var result = Run("norm_bound", out var sim);
        using (sim)
        {
            var s = Assert.IsType<RobustRoundStats>(result.Rounds[^1].Robust);
            Assert.Equal(0, s.Excluded);
            Assert.InRange(s.Clipped, 2, 5);               // the adaptive bound is the median norm: the noise is above it
            Assert.Equal(0.1, s.ByzantineShare!.Value, 1e-9);   // norm_bound's share is the sample weight; clipping shows as the scale
            Assert.Equal(0.1, s.HonestShare!.Value, 1e-9);
        }
    }

    [Fact]
    public void The_streaming_mean_reports_no_robust_stats()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 4, perRound: 4, rounds: 1);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 1 });
        Assert.All(sim.Run().Rounds, r => Assert.Null(r.Robust));
    }
}
