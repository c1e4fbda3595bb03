using Tessera.Federation.Personalization;
using Tessera.Federation.Planning;
using Tessera.Federation.Robust;
using Tessera.Protocol.Jobs;
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

    [Fact]
    public void A_fedbn_job_keeps_fedbn_outside_the_robust_stage()
    {
        var spec = JobSpecParser.Parse("""
            name: fedbn-median
            model: { onnx: tabular_bn.onnx, fedbn: true }
            data: { dataset: trees, clients: 2 }
            strategy: { name: fedavgm, aggregator: median }
            clients_per_round: 2
            """);
        var plan = JobPlan.From(spec);
        var model = plan.CreateModel(File.ReadAllBytes(Path.Combine(Root(), "tests", "fixtures", "models", "tabular_bn.onnx")));
        var fedbn = Assert.IsType<FedBnStrategy>(plan.CreateStrategy(2, model));
        Assert.Equal("FedAvgM+median", Assert.IsType<RobustStrategy>(fedbn.Inner).Name);
    }

    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }
}
