using Tessera.Data;
using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;

namespace Tessera.Runtime;

/// <summary>
/// Evaluates an inference ONNX (the global model as the coordinator exports it) on data held where it lives: loss,
/// accuracy and <see cref="QualityMetrics"/> computed from the raw outputs, so a worker needs no evaluation artifact.
/// The losses are the training loss heads' means: cross entropy per label, BCE with logits and squared error per element.
/// </summary>
public static class OutputEvaluation
{
    public static EvaluationReport Evaluate(byte[] inferenceOnnx, Dataset data, LossKind loss, RuntimeOptions? options = null)
    {
        if (data.Count == 0) throw new ArgumentException("evaluation needs at least one sample");
        var outputs = Predictor.Predict(inferenceOnnx, data, options: options);
        var (meanLoss, accuracy) = loss switch
        {
            LossKind.SoftmaxCrossEntropy => CrossEntropy(outputs, data.Labels ?? throw new ArgumentException("cross entropy needs class labels")),
            LossKind.BinaryCrossEntropy => Binary(outputs, data.Targets ?? throw new ArgumentException("bce needs float targets")),
            _ => (SquaredError(outputs, data.Targets ?? throw new ArgumentException("mse needs float targets")), (double?)null),
        };
        return new EvaluationReport(data.Count, meanLoss, accuracy, QualityMetrics.Of(loss, data, meanLoss, outputs));
    }

    static (double, double?) CrossEntropy(float[] logits, long[] labels)
    {
        int classes = logits.Length / labels.Length;
        double loss = 0;
        long hits = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = 0;
            float max = row[0];
            for (int c = 1; c < classes; c++) if (row[c] > max) { max = row[c]; best = c; }
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            loss += Math.Log(sum) + max - row[(int)labels[i]];
            if (best == labels[i]) hits++;
        }
        return (loss / labels.Length, hits / (double)labels.Length);
    }

    static (double, double?) Binary(float[] logits, float[] targets)
    {
        double loss = 0;
        long hits = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            double x = logits[i], t = targets[i];
            loss += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
            if (x > 0 == t >= 0.5) hits++;
        }
        return (loss / targets.Length, hits / (double)targets.Length);
    }

    static double SquaredError(float[] outputs, float[] targets)
    {
        double se = 0;
        for (int i = 0; i < targets.Length; i++) { double d = outputs[i] - targets[i]; se += d * d; }
        return se / targets.Length;
    }
}
