using System.Numerics.Tensors;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Simulation.Tests;

/// <summary>
/// FedAvg's sample weighting, checked end to end: when every client takes one full-batch SGD step from the
/// same weights, the n_k/n-weighted average of the client models equals one full-batch gradient-descent step
/// on the union of their data. Equal weighting of unequal clients gives a different model.
/// </summary>
public class WeightingTests
{
    const float Lr = 0.5f;

    [Fact]
    public void FedSGD_with_unequal_clients_equals_one_full_batch_step_on_the_union()
    {
        var spec = Specs.Synthetic("fedsgd", "quantity", clients: 4, perRound: 4, rounds: 1, local: $"lr: {Lr}", trainSamples: 240);
        using var sim = new Simulator(spec, new SimulationOptions { Parallelism = 2, EvaluateInitialModel = false });
        var sizes = sim.Data.ClientIndices.Select(c => c.Length).ToArray();
        Assert.True(sizes.All(s => s > 0) && sizes.Distinct().Count() > 2, $"need unequal clients, got {string.Join(",", sizes)}");

        var federated = sim.Run().Final.Weights;

        var initial = sim.Model.InitialParameters();
        var union = sim.Data.ClientIndices.SelectMany(c => c).ToArray();
        var centralized = OneStep(sim, initial, union);
        AssertClose(centralized, federated, 2e-5f);

        // The same clients averaged with equal weights must land measurably elsewhere, or this test has no teeth.
        var equal = new float[centralized.Length];
        foreach (var client in sim.Data.ClientIndices)
            TensorPrimitives.MultiplyAdd(OneStep(sim, initial, client), 1f / sizes.Length, equal, equal);
        Assert.True(MaxDiff(centralized, equal) > 100 * 2e-5f, $"equal weighting is indistinguishable ({MaxDiff(centralized, equal)})");
    }

    static float[] OneStep(Simulator sim, ParameterSet initial, int[] indices)
    {
        var artifact = ArtifactCompiler.CompileTraining(sim.Model, new TrainingOptions { BatchSize = indices.Length });
        using var trainer = new Trainer(artifact, initial);
        var r = LocalTraining.Run(trainer, sim.Data.Train, indices, 1, new Hyperparameters { LearningRate = Lr }, seed: 1);
        Assert.Equal(1, r.Steps);
        return trainer.GetParameters().Flatten();
    }

    static float MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = MaxDiff(expected, actual);
        Assert.True(worst <= tolerance, $"max |Δ| {worst} > {tolerance}");
    }
}
