using System.Diagnostics;
using Tessera.Data;
using Tessera.Graphs.Training;

namespace Tessera.Runtime;

/// <summary>
/// How fast this machine evaluates a model, in test samples per second: the coordinator's evaluation is on every
/// round's critical path, so an estimate needs it. Timed on the first samples of the test set after one warm-up run
/// (session creation happens once per job, not once per round).
/// </summary>
public static class EvaluationSpeed
{
    public static double Measure(TrainableModel model, Dataset test, int samples = 1000)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0) return 0;
        var slice = test.Count > samples ? test.Select(Enumerable.Range(0, samples).ToArray()) : test;
        using var evaluator = new Evaluator(model, 500);
        var weights = model.InitialParameters();
        evaluator.Evaluate(weights, slice);
        var clock = Stopwatch.StartNew();
        evaluator.Evaluate(weights, slice);
        return slice.Count / Math.Max(1e-6, clock.Elapsed.TotalSeconds);
    }
}
