using Tessera.Data;
using Tessera.Graphs.Training;

namespace Tessera.Runtime;

/// <summary>
/// Metrics beyond loss and accuracy, by what the model does: AUC and F1 for binary classifiers (one logit with
/// bce_with_logits, or two classes with softmax), MSE and MAE for regression, perplexity for language models
/// (several next-token labels per sample). Multi-class classifiers report loss and accuracy only.
/// </summary>
public static class QualityMetrics
{
    /// <summary>Whether <see cref="Of"/> needs the model's raw outputs: every metric but perplexity (the loss's exp) does.</summary>
    public static bool NeedsOutputs(TrainableModel model, Dataset data) => Names(model, data).Any(n => n != "perplexity");

    public static IReadOnlyDictionary<string, double> Of(TrainableModel model, Dataset data, double meanLoss, float[]? outputs) =>
        Of(model.Loss, data, meanLoss, outputs);

    /// <summary>The metric names <see cref="Of"/> reports for this model on this data (CSV columns, chart series).</summary>
    public static IReadOnlyList<string> Names(TrainableModel model, Dataset data) => model.Loss switch
    {
        LossKind.MeanSquaredError => ["mse", "mae"],
        LossKind.BinaryCrossEntropy => ["auc", "f1"],
        _ when LabelsPerSample(data) > 1 => ["perplexity"],
        _ when data.ClassCount == 2 => ["auc", "f1"],
        _ => [],
    };

    public static IReadOnlyDictionary<string, double> Of(LossKind loss, Dataset data, double meanLoss, float[]? outputs)
    {
        var m = new Dictionary<string, double>(StringComparer.Ordinal);
        if (loss == LossKind.SoftmaxCrossEntropy && LabelsPerSample(data) > 1) m["perplexity"] = Math.Exp(meanLoss);
        if (outputs is null || outputs.Length == 0) return m;
        int per = outputs.Length / data.Count;
        switch (loss)
        {
            case LossKind.MeanSquaredError when data.Targets is { } t:
                double se = 0, ae = 0;
                for (int i = 0; i < t.Length && i < outputs.Length; i++) { double d = outputs[i] - t[i]; se += d * d; ae += Math.Abs(d); }
                m["mse"] = se / t.Length;
                m["mae"] = ae / t.Length;
                break;
            case LossKind.BinaryCrossEntropy when data.Targets is { } t && per == 1:
                Binary(m, outputs, Array.ConvertAll(t, v => v >= 0.5f));
                break;
            case LossKind.SoftmaxCrossEntropy when data.Labels is { } l && per == 2:
                // The positive class's margin orders samples as its softmax probability does.
                Binary(m, Enumerable.Range(0, data.Count).Select(i => outputs[2 * i + 1] - outputs[2 * i]).ToArray(), Array.ConvertAll(l, v => v == 1));
                break;
        }
        return m;
    }

    static int LabelsPerSample(Dataset data) => data.Labels is { } l && data.Count > 0 ? l.Length / data.Count : 0;

    /// <summary>AUC (the Mann-Whitney rank statistic, ties counted half) and F1 at score 0 (probability 0.5).</summary>
    static void Binary(Dictionary<string, double> m, float[] scores, bool[] positive)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool predicted = scores[i] > 0;
            if (predicted && positive[i]) tp++;
            else if (predicted) fp++;
            else if (positive[i]) fn++;
        }
        m["f1"] = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        long pos = positive.Count(p => p), neg = positive.Length - pos;
        if (pos == 0 || neg == 0) return;   // AUC is undefined with one class present
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;   // average rank of a tie group
            for (int k = i; k <= j; k++) if (positive[order[k]]) rankSum += rank;
            i = j + 1;
        }
        m["auc"] = (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }
}
