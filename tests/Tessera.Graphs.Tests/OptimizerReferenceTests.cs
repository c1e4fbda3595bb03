using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

/// <summary>
/// The in-graph optimizers against a plain C# reference on logistic regression, whose softmax cross-entropy
/// gradient is known in closed form: dz = (softmax(xW^T+b) - onehot(y)) / B, dW = dz^T x, db = sum(dz).
/// </summary>
public class OptimizerReferenceTests
{
    const int Features = 5, Classes = 3, Batch = 4, Steps = 6;

    public static TheoryData<string> Variants => new() { "sgd", "momentum", "nesterov", "sgd_wd", "adam", "adamw", "clip", "fedprox", "scaffold" };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Artifact_matches_reference_optimizer_after_several_steps(string variant)
    {
        var model = ModelZoo.LogisticRegression(Features, Classes, seed: 5);
        var options = variant switch
        {
            "momentum" => new TrainingOptions { BatchSize = Batch, Momentum = true },
            "nesterov" => new TrainingOptions { BatchSize = Batch, Momentum = true, Nesterov = true },
            "sgd_wd" => new TrainingOptions { BatchSize = Batch, WeightDecay = true },
            "adam" => new TrainingOptions { BatchSize = Batch, Optimizer = OptimizerKind.Adam },
            "adamw" => new TrainingOptions { BatchSize = Batch, Optimizer = OptimizerKind.AdamW, WeightDecay = true },
            "clip" => new TrainingOptions { BatchSize = Batch, ClipGradientNorm = true },
            "fedprox" => new TrainingOptions { BatchSize = Batch, FedProx = true },
            "scaffold" => new TrainingOptions { BatchSize = Batch, Scaffold = true },
            _ => new TrainingOptions { BatchSize = Batch },
        };
        var hp = new Hyperparameters { LearningRate = 0.3f, Momentum = 0.8f, WeightDecay = 0.05f, ClipNorm = 0.2f, ProxMu = 0.5f, Beta1 = 0.9f, Beta2 = 0.99f, Epsilon = 1e-6f };
        var (x, y) = TestData.Blobs(Steps * Batch, Features, Classes, seed: 9);
        var init = model.InitialParameters();
        var global = init.WithValues(TestData.Floats(init.Count, 21, 0.3f));
        var serverC = init.WithValues(TestData.Floats(init.Count, 22, 0.2f));
        var clientC = init.WithValues(TestData.Floats(init.Count, 23, 0.2f));

        using var trainer = new Trainer(ArtifactCompiler.CompileTraining(model, options), init);
        if (options.FedProx) trainer.SetGlobalWeights(global);
        if (options.Scaffold) trainer.SetControlVariates(serverC, clientC);
        var trace = trainer.Train(BatchData.Classification(x, y, Steps), hp);
        var actual = trainer.GetParameters().Flatten();

        var expected = Reference(variant, init.Flatten(), global.Flatten(), serverC.Flatten(), clientC.Flatten(), x, y, hp, out var refLosses);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 + 1e-3 * Math.Abs(expected[i]),
                $"{variant}: weight {i} is {actual[i]}, reference {expected[i]}");
        for (int s = 0; s < Steps; s++)
            Assert.True(Math.Abs(trace.Losses[s] - refLosses[s]) <= 1e-4 + 1e-4 * refLosses[s], $"{variant}: step {s} loss {trace.Losses[s]} vs {refLosses[s]}");
    }

    /// <summary>Flat layout: W [Classes, Features] then b [Classes], as the zoo's Linear stores them.</summary>
    static float[] Reference(string variant, float[] w0, float[] global, float[] c, float[] ci, float[] x, long[] y, Hyperparameters hp, out double[] losses)
    {
        int n = w0.Length;
        var w = w0.Select(v => (double)v).ToArray();
        var vel = new double[n]; var m = new double[n]; var v2 = new double[n];
        losses = new double[Steps];
        for (int s = 0; s < Steps; s++)
        {
            var g = new double[n];
            double loss = 0;
            for (int i = 0; i < Batch; i++)
            {
                int row = s * Batch + i;
                var z = new double[Classes];
                for (int k = 0; k < Classes; k++)
                {
                    z[k] = w[Classes * Features + k];
                    for (int f = 0; f < Features; f++) z[k] += w[k * Features + f] * x[row * Features + f];
                }
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                loss += -(z[y[row]] - max - Math.Log(sum)) / Batch;
                for (int k = 0; k < Classes; k++)
                {
                    double dz = (Math.Exp(z[k] - max) / sum - (k == y[row] ? 1 : 0)) / Batch;
                    g[Classes * Features + k] += dz;
                    for (int f = 0; f < Features; f++) g[k * Features + f] += dz * x[row * Features + f];
                }
            }
            losses[s] = loss;
            if (variant == "clip")
            {
                double norm = Math.Sqrt(g.Sum(v => v * v));
                double scale = Math.Min(1, hp.ClipNorm / (norm + 1e-6));
                for (int j = 0; j < n; j++) g[j] *= scale;
            }
            for (int j = 0; j < n; j++)
            {
                if (variant == "sgd_wd") g[j] += hp.WeightDecay * w[j];
                if (variant == "fedprox") g[j] += hp.ProxMu * (w[j] - global[j]);
                if (variant == "scaffold") g[j] += c[j] - ci[j];
            }
            int t = s + 1;
            for (int j = 0; j < n; j++)
            {
                switch (variant)
                {
                    case "momentum": vel[j] = hp.Momentum * vel[j] + g[j]; w[j] -= hp.LearningRate * vel[j]; break;
                    case "nesterov": vel[j] = hp.Momentum * vel[j] + g[j]; w[j] -= hp.LearningRate * (g[j] + hp.Momentum * vel[j]); break;
                    case "adam" or "adamw":
                        m[j] = hp.Beta1 * m[j] + (1 - hp.Beta1) * g[j];
                        v2[j] = hp.Beta2 * v2[j] + (1 - hp.Beta2) * g[j] * g[j];
                        double mhat = m[j] / (1 - Math.Pow(hp.Beta1, t)), vhat = v2[j] / (1 - Math.Pow(hp.Beta2, t));
                        double decay = variant == "adamw" ? hp.LearningRate * hp.WeightDecay * w[j] : 0;
                        w[j] -= hp.LearningRate * mhat / (Math.Sqrt(vhat) + hp.Epsilon) + decay;
                        break;
                    default: w[j] -= hp.LearningRate * g[j]; break;
                }
            }
        }
        return w.Select(v => (float)v).ToArray();
    }
}
