using Tessera.Data;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Simulation.Tests;

/// <summary>Metrics beyond accuracy, checked against values worked out by hand.</summary>
public class QualityMetricsTests
{
    static Dataset TwoClass(long[] labels) => Dataset.ForClassification(new float[labels.Length * 2], [2], labels, 2);

    [Fact]
    public void Auc_is_the_share_of_positive_negative_pairs_ranked_right_with_ties_half()
    {
        var model = ModelZoo.LogisticRegression(features: 2, classes: 2);
        long[] labels = [1, 0, 1, 0, 1];
        // Positive-class margins (logit1 - logit0): 3, 1, 2, 2, 0.
        float[] logits = [0, 3, 0, 1, 0, 2, 0, 2, 0, 0];
        var m = QualityMetrics.Of(model, TwoClass(labels), 0.5, logits);
        // Pairs (pos, neg): (3,1) (3,2) (2,1) (2,2)=tie (0,1) (0,2) -> 3 + 0.5 of 6.
        Assert.Equal(3.5 / 6, m["auc"], 12);
        // Predicted positive where the margin > 0: samples 0-3 -> tp 2, fp 2, fn 1.
        Assert.Equal(2 * 2.0 / (2 * 2 + 2 + 1), m["f1"], 12);
        Assert.Equal(["auc", "f1"], QualityMetrics.Names(model, TwoClass(labels)));
    }

    [Fact]
    public void Regression_reports_mse_and_mae_and_a_language_model_its_perplexity()
    {
        var regression = new Tessera.Graphs.Training.TrainableModel("r", ModelZoo.LogisticRegression(features: 2, classes: 1).Forward, Tessera.Graphs.Training.LossKind.MeanSquaredError);
        var data = Dataset.ForRegression(new float[6], [2], [1f, -2f, 0.5f]);
        var m = QualityMetrics.Of(regression, data, 0, [2f, -2f, 0f]);
        Assert.Equal((1 + 0 + 0.25) / 3, m["mse"], 6);
        Assert.Equal((1 + 0 + 0.5) / 3, m["mae"], 6);

        var lm = ModelZoo.CharTransformer();
        Assert.Equal(["perplexity"], QualityMetrics.Names(lm, SequenceSet()));
        Assert.Equal(Math.Exp(1.5), QualityMetrics.Of(lm, SequenceSet(), 1.5, null)["perplexity"], 12);
    }

    static Dataset SequenceSet() => new(new float[8], [4], new long[8], 5, labelShape: [4]);
}
