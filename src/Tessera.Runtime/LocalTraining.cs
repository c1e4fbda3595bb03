using Tessera.Data;
using Tessera.Data.Batching;
using Tessera.Graphs;

namespace Tessera.Runtime;

/// <summary>What one round of local training did.</summary>
public sealed record LocalTrainingResult(int Steps, long Samples, float[] Losses, long Correct)
{
    public double MeanLoss => Losses.Length == 0 ? double.NaN : Losses.Average();
    public double TrainAccuracy => Samples == 0 ? 0 : (double)Correct / Samples;
}

/// <summary>
/// Trains a model on a data set (or a client's subset of it) for some epochs: lays the samples out in
/// training order and feeds them to the artifact K steps per call, reusing one pair of batch buffers.
/// </summary>
public static class LocalTraining
{
    /// <param name="maxSteps">Stop after this many steps (speed-sized tasks, FedSGD); null runs every epoch fully.</param>
    /// <param name="progress">Called after each call with (steps done, total steps).</param>
    /// <param name="commitEvery">Calls also end on every multiple of this step count (0: none), where a worker commits its weights.</param>
    public static LocalTrainingResult Run(Trainer trainer, Dataset data, int[]? indices, int epochs, Hyperparameters hp, ulong seed,
        int stepsPerCall = 50, int? maxSteps = null, Action<int, int>? progress = null, int commitEvery = 0)
    {
        var m = trainer.Manifest;
        int batch = m.BatchSize;
        var subset = indices ?? Enumerable.Range(0, data.Count).ToArray();
        var order = Batcher.TrainingOrder(subset.Length, batch, epochs, seed);
        int totalSteps = order.Length / batch;
        if (maxSteps is { } cap) totalSteps = Math.Min(totalSteps, cap);
        int sample = data.SampleSize;
        long label = Shapes.Numel(m.LabelShape);
        if (sample != Shapes.Numel(m.SampleShape))
            throw new ArgumentException($"data samples have {sample} values but model '{m.Model}' takes {Shapes.Numel(m.SampleShape)}");

        var losses = new List<float>(totalSteps);
        long correct = 0;
        int done = 0;
        while (done < totalSteps)
        {
            int k = Protocol.Wire.CommitmentChain.NextCall(done, totalSteps, commitEvery, stepsPerCall);
            var chunk = order.AsSpan(done * batch, k * batch);
            var trace = trainer.Train(Gather(data, subset, chunk, m.InputType == DType.Int64, label, k), hp);
            losses.AddRange(trace.Losses);
            correct += (long)trace.Correct.Sum();
            done += k;
            progress?.Invoke(done, totalSteps);
        }
        return new LocalTrainingResult(totalSteps, (long)totalSteps * batch, losses.ToArray(), correct);
    }

    static BatchData Gather(Dataset data, int[] subset, ReadOnlySpan<int> positions, bool tokens, long labelSize, int steps)
    {
        int sample = data.SampleSize;
        var x = new float[positions.Length * sample];
        for (int i = 0; i < positions.Length; i++) data.Sample(subset[positions[i]]).CopyTo(x.AsSpan(i * sample, sample));
        if (data.Labels is { } labels)
        {
            var y = new long[positions.Length * labelSize];
            for (int i = 0; i < positions.Length; i++)
                labels.AsSpan((int)(subset[positions[i]] * labelSize), (int)labelSize).CopyTo(y.AsSpan((int)(i * labelSize)));
            return tokens
                ? BatchData.Sequence(Array.ConvertAll(x, v => (long)v), y, steps)
                : BatchData.Classification(x, y, steps);
        }
        var targets = data.Targets ?? throw new ArgumentException("data set has neither labels nor targets");
        int t = data.TargetSize;
        var yt = new float[positions.Length * t];
        for (int i = 0; i < positions.Length; i++) targets.AsSpan(subset[positions[i]] * t, t).CopyTo(yt.AsSpan(i * t));
        return BatchData.Regression(x, yt, steps);
    }

    /// <summary>Accuracy, mean loss and the model's other metrics (<see cref="QualityMetrics"/>) of weights on a whole data set.</summary>
    public static EvaluationResult Evaluate(this Evaluator evaluator, Graphs.Training.ParameterSet weights, Dataset data)
    {
        bool tokens = evaluator.InputType == DType.Int64;
        var e = evaluator.Evaluate(weights, tokens ? null : data.Features, tokens ? Array.ConvertAll(data.Features, v => (long)v) : null,
            data.Labels, data.Targets, data.Count);
        var outputs = QualityMetrics.NeedsOutputs(evaluator.Model, data) ? Predictor.Predict(evaluator.Model, weights, data) : null;
        return e with { Metrics = QualityMetrics.Of(evaluator.Model, data, e.Loss, outputs) };
    }
}
