using Tessera.Protocol.Jobs;

namespace Tessera.Simulation.Tests;

/// <summary>simulation.validation_samples: a split held out of training that no client sees, for choosing hyperparameters.</summary>
public sealed class ValidationSplitTests
{
    [Fact]
    public void The_validation_split_is_the_last_training_samples_and_no_client_trains_on_them()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 10, perRound: 10, rounds: 2, extra: "simulation: { validation_samples: 300 }");
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 1 });
        var data = sim.Data;
        Assert.Equal(300, data.Validation!.Count);
        Assert.Equal(2000 - 300, data.Train.Count);
        Assert.Equal(2000 - 300, data.ClientIndices.Sum(c => c.Length));   // every remaining sample has a client; none is outside Train
        Assert.All(data.ClientIndices.SelectMany(c => c), i => Assert.InRange(i, 0, data.Train.Count - 1));

        // The held-out samples are the training set's last 300, not the test set's.
        using var whole = new Simulator(Specs.Synthetic("fedavg", "iid", clients: 10, perRound: 10, rounds: 2), new SimulationOptions { Parallelism = 1 });
        Assert.Null(whole.Data.Validation);
        Assert.Equal(whole.Data.Train.Select(Enumerable.Range(1700, 300).ToArray()).Labels, data.Validation.Labels);

        var result = sim.Run();
        // Held-out training samples come from the test set's distribution: the final model scores alike on both (300 and 500 samples).
        var validated = sim.EvaluateValidation(result.Final.Weights)!;
        Assert.InRange(validated.Accuracy, result.FinalAccuracy!.Value - 0.1, result.FinalAccuracy.Value + 0.1);
        Assert.True(validated.Accuracy > 0.3, $"validation accuracy {validated.Accuracy}: the model did not learn");
        Assert.Null(whole.EvaluateValidation(result.Final.Weights));
    }

    [Fact]
    public void Holding_out_every_training_sample_is_refused_naming_the_field()
    {
        var spec = Specs.Synthetic("fedavg", "iid", clients: 10, perRound: 10, rounds: 1, extra: "simulation: { validation_samples: 2000 }");
        var e = Assert.Throws<JobSpecException>(() => new Simulator(spec, new SimulationOptions { Parallelism = 1 }));
        Assert.Contains("simulation.validation_samples", e.Message);
        Assert.Throws<JobSpecException>(() => Specs.Synthetic("fedavg", "iid", 10, 10, 1, extra: "simulation: { validation_samples: -1 }"));
    }
}
