namespace Tessera.Simulation.Tests;

/// <summary>Registered clients cost data indices, not trainers: memory follows the clients training at once.</summary>
public class ScaleTests
{
    [Fact]
    public void Ten_thousand_registered_clients_run_on_a_pool_no_larger_than_the_worker_count()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 10_000, perRound: 100, rounds: 3, trainSamples: 20_000, testSamples: 500);
        var options = new SimulationOptions { Parallelism = 2 };
        using var sim = new Simulator(spec, options);
        Assert.Equal(10_000, sim.Available.Count);
        var result = sim.Run();

        Assert.Equal(300, result.ClientUpdates);
        Assert.True(result.TrainersCreated <= options.Parallelism, $"{result.TrainersCreated} trainers for {options.Parallelism} workers");
        Assert.True(result.PeakLiveTrainers <= options.Parallelism);
        Assert.All(result.Rounds.Skip(1), r => Assert.Equal(100, r.Clients));
        Assert.True(result.FinalAccuracy > result.Rounds[0].TestAccuracy);
    }

    [Fact]
    public void Same_seed_gives_the_same_model_with_parallel_workers()
    {
        var spec = Specs.Synthetic("fedavg", "dirichlet", clients: 30, perRound: 7, rounds: 2);
        float[] Run()
        {
            using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, EvaluateInitialModel = false });
            return sim.Run().Final.Weights;
        }
        Assert.Equal(Run(), Run());
    }
}
