using Tessera.Federation.Robust;
using Xunit.Abstractions;

namespace Tessera.Simulation.Tests;

/// <summary>A robust aggregator named in the spec reaches the simulated rounds: the job trains, and not as the mean does.</summary>
public class RobustAggregationTests(ITestOutputHelper output)
{
    [Fact]
    public void A_median_job_trains_and_differs_from_the_mean()
    {
        SimulationResult Run(string aggregator, out Simulator sim)
        {
            var spec = Specs.Synthetic("fedavg", "dirichlet", clients: 12, perRound: 5, rounds: 3, trainSamples: 1200, testSamples: 300,
                strategyExtra: $"\n  aggregator: {aggregator}");
            sim = new Simulator(spec, new SimulationOptions { Parallelism = 2 });
            return sim.Run();
        }

        var mean = Run("mean", out var meanSim);
        var median = Run("median", out var medianSim);
        using (meanSim) using (medianSim)
        {
            var acc = median.Rounds.Select(r => r.TestAccuracy!.Value).ToArray();
            output.WriteLine($"median: {string.Join(", ", acc.Select(a => a.ToString("P1")))}; mean: {mean.Rounds[^1].TestAccuracy:P1}");
            Assert.True(acc[^1] > acc[0] + 0.2, $"median: {acc[0]:P1} -> {acc[^1]:P1}");
            Assert.NotEqual(mean.Final.Weights, median.Final.Weights);
            Assert.IsNotType<RobustStrategy>(meanSim.Strategy);
            var robust = Assert.IsType<RobustStrategy>(medianSim.Strategy);
            Assert.Equal(5, robust.LastFates.Count);   // the last round's fates, one per folded update
        }
    }
}
