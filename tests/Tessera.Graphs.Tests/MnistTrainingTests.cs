using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;
using Xunit.Abstractions;

namespace Tessera.Graphs.Tests;

/// <summary>Proof the artifacts train: centralized MNIST on a subset, fast enough for CI.</summary>
public class MnistTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Mnist_2NN_reaches_95_percent_test_accuracy_in_two_epochs()
    {
        var train = MnistLoader.LoadTrain(MnistLayout.Flat);
        var test = MnistLoader.LoadTest(MnistLayout.Flat);
        var model = ModelZoo.Mnist2NN(seed: 1);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 32, Momentum = true });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        var result = LocalTraining.Run(trainer, train, null, epochs: 2, new Hyperparameters { LearningRate = 0.05f, Momentum = 0.9f }, seed: 3);
        using var evaluator = new Evaluator(model, 1000);
        var eval = evaluator.Evaluate(trainer.GetParameters(), test);
        output.WriteLine($"steps {result.Steps}, final loss {result.Losses[^1]:F4}, test accuracy {eval.Accuracy:P2}");
        Assert.Equal(10_000, eval.Samples);
        Assert.True(eval.Accuracy >= 0.95, $"test accuracy {eval.Accuracy:P2} < 95%");
    }
}
