using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

public class SmokeTests
{
    [Theory]
    [InlineData("logreg")]
    [InlineData("2nn")]
    [InlineData("cnn")]
    [InlineData("lenet")]
    [InlineData("chartransformer")]
    public void Every_zoo_model_compiles_and_runs_a_training_call(string name)
    {
        var model = ModelZoo.Create(name);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 4 });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        long sample = Shapes.Numel(model.SampleShape), label = Shapes.Numel(model.LabelShape);
        int steps = 2;
        var data = model.Input.Type == DType.Int64
            ? BatchData.Sequence(TestData.Classes(steps * 4 * sample, 96, 1), TestData.Classes(steps * 4 * label, 96, 2), steps)
            : BatchData.Classification(TestData.Floats(steps * 4 * sample, 1), TestData.Classes(steps * 4 * label, 10, 2), steps);
        var trace = trainer.Train(data, new Hyperparameters { LearningRate = 0.01f });
        Assert.Equal(steps, trace.Losses.Length);
        Assert.All(trace.Losses, l => Assert.True(float.IsFinite(l) && l > 0));
    }
}
