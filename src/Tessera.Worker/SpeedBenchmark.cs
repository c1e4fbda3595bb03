using System.Diagnostics;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Worker;

/// <summary>
/// Measures training samples per second at join, with the 2NN training artifact on random data: a cheap,
/// comparable figure the coordinator uses to size each task's K until real results refine it.
/// </summary>
public static class SpeedBenchmark
{
    public static double Measure(RuntimeOptions runtime, int steps = 20, int batch = 50)
    {
        var model = ModelZoo.Mnist2NN();
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch });
        using var trainer = new Trainer(artifact, model.InitialParameters(), runtime);
        var init = new WeightInit(7);
        var data = BatchData.Classification(init.Uniform(steps * batch * 784, 1f), Enumerable.Range(0, steps * batch).Select(i => (long)(i % 10)).ToArray(), steps);
        var hp = new Hyperparameters { LearningRate = 0.01f };
        trainer.Train(data, hp); // warm-up: first run allocates and plans
        var watch = Stopwatch.StartNew();
        trainer.Train(data, hp);
        return steps * batch / watch.Elapsed.TotalSeconds;
    }
}
