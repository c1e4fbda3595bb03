using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

/// <summary>The loss heads against their closed forms, and a sequence model that really learns.</summary>
public class LossTests
{
    static TrainableModel Linear(LossKind loss, long outputs)
    {
        var l = new LayerBuilder("linear", 3);
        var x = l.Input("features", DType.Float, 3);
        l.Output(l.Linear(x, 3, outputs, "fc"), outputs);
        return new TrainableModel("linear", l.Graph, loss);
    }

    static float[] Predict(ParameterSet w, float[] x, int n, int outputs)
    {
        var weight = w["fc.weight"].Values; var bias = w["fc.bias"].Values;
        var z = new float[n * outputs];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outputs; o++)
            {
                z[i * outputs + o] = bias[o];
                for (int f = 0; f < 3; f++) z[i * outputs + o] += weight[o * 3 + f] * x[i * 3 + f];
            }
        return z;
    }

    [Fact]
    public void Mean_squared_error_is_the_mean_of_squared_differences()
    {
        var model = Linear(LossKind.MeanSquaredError, 2);
        var w = model.InitialParameters();
        var x = TestData.Floats(8 * 3, 1); var t = TestData.Floats(8 * 2, 2);
        var z = Predict(w, x, 8, 2);
        double expected = z.Select((v, i) => (v - t[i]) * (double)(v - t[i])).Average();
        using var ev = new Evaluator(model, 4);
        var r = ev.Evaluate(w, x, null, null, t, 8);
        Assert.Equal(expected, r.Loss, 5);
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_matches_its_definition_and_counts_correct_predictions()
    {
        var model = Linear(LossKind.BinaryCrossEntropy, 1);
        var w = model.InitialParameters().WithValues([2f, -1f, 0.5f, 0.1f]);
        var x = TestData.Floats(10 * 3, 4, 3f);
        var t = Enumerable.Range(0, 10).Select(i => (float)(i % 2)).ToArray();
        var z = Predict(w, x, 10, 1);
        double expected = z.Select((v, i) => -(t[i] * Math.Log(1 / (1 + Math.Exp(-v))) + (1 - t[i]) * Math.Log(1 - 1 / (1 + Math.Exp(-v))))).Average();
        int hits = z.Select((v, i) => (v > 0) == (t[i] > 0.5f) ? 1 : 0).Sum();
        using var ev = new Evaluator(model, 5);
        var r = ev.Evaluate(w, x, null, null, t, 10);
        Assert.Equal(expected, r.Loss, 4);
        Assert.Equal(hits, r.Correct);
    }

    [Fact]
    public void Char_transformer_learns_a_repeating_text()
    {
        const string text = "tessera trains one shared model on every device. ";
        var model = ModelZoo.CharTransformer(vocab: 96, context: 16, width: 32, heads: 2, seed: 4);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 8, Optimizer = OptimizerKind.AdamW, WeightDecay = true });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        long Code(char c) => Math.Clamp(c - 32, 0, 95);
        var rng = new WeightInit(8);
        StepTrace trace = null!;
        for (int call = 0; call < 6; call++)
        {
            const int steps = 25;
            var x = new long[steps * 8 * 16]; var y = new long[steps * 8 * 16];
            for (int s = 0; s < steps * 8; s++)
            {
                int start = (int)(rng.NextFloat() * text.Length);
                for (int t = 0; t < 16; t++)
                {
                    x[s * 16 + t] = Code(text[(start + t) % text.Length]);
                    y[s * 16 + t] = Code(text[(start + t + 1) % text.Length]);
                }
            }
            trace = trainer.Train(BatchData.Sequence(x, y, steps), new Hyperparameters { LearningRate = 3e-3f, WeightDecay = 0.01f, DropoutSeed = call });
        }
        // Uniform guessing over 96 symbols costs ln 96 = 4.56 nats; a model that learned the text predicts it well.
        Assert.True(trace.Losses.TakeLast(5).Average() < 1.0, $"final loss {trace.Losses[^1]}");
        Assert.True(trace.Correct.TakeLast(5).Average() > 0.6 * 8 * 16, $"correct per batch {trace.Correct[^1]} of {8 * 16}");
    }
}
