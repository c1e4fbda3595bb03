using System.Diagnostics;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>How long one artifact call of K training steps takes on this machine, on random data: what the browser and SecAgg benches set their figures against.</summary>
internal static class TrainingCallTime
{
    /// <summary>Median seconds of one call of <paramref name="steps"/> steps at <paramref name="batch"/>, after a warm-up call: at least three calls, for at least <paramref name="seconds"/>.</summary>
    public static double Median(TrainableModel model, Artifact artifact, int steps, int batch, RuntimeOptions runtime, double seconds = 0)
    {
        using var trainer = new Trainer(artifact, model.InitialParameters(), runtime);
        var init = new WeightInit(3);
        var y = Enumerable.Range(0, steps * batch).Select(i => (long)(i % 10)).ToArray();
        var data = BatchData.Classification(init.Uniform(steps * batch * (int)Shapes.Numel(model.SampleShape), 1f), y, steps);
        var hp = new Hyperparameters { LearningRate = 0.01f };
        trainer.Train(data, hp);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || times.Count < 3)
        {
            var watch = Stopwatch.StartNew();
            trainer.Train(data, hp);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
