using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Runtime;
using Xunit.Abstractions;

namespace Tessera.Graphs.Tests.PyTorch;

/// <summary>
/// Real PyTorch exports of normalization, convolution and activation families and of torchvision MobileNetV2 and
/// ResNet-18 (see generate_norm_conv.py) import, match PyTorch's loss and gradients, and train.
/// </summary>
public class NormConvImportTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string> Small =
        ["bn2d", "bn1d", "groupnorm", "instancenorm", "layernorm", "grouped_conv", "activations"];

    public static readonly TheoryData<string> Torchvision = ["mobilenet_v2", "resnet18"];

    public static readonly TheoryData<string> WithBatchNorm = ["bn2d", "bn1d", "mobilenet_v2", "resnet18"];

    [Theory]
    [MemberData(nameof(Small))]
    [MemberData(nameof(Torchvision))]
    public void Loss_and_gradients_match_PyTorch(string name)
    {
        var f = TorchReference.Load(name);
        var (lossError, errors) = f.Errors(LossKind.SoftmaxCrossEntropy);
        var worst = errors.MaxBy(kv => kv.Value);
        var above = errors.Where(kv => kv.Value > 1e-4).ToList();
        output.WriteLine($"{name}: loss rel {lossError:G3}, max grad rel {worst.Value:G3} ({worst.Key}); " +
                         $"{errors.Count - above.Count}/{errors.Count} tensors within 1e-4; above it: " +
                         string.Join(", ", above.Select(kv => $"{kv.Key} {kv.Value:G3} (PyTorch float32 {f.Float32Noise.GetValueOrDefault(kv.Key):G3})")));
        f.AssertGradientsMatch(LossKind.SoftmaxCrossEntropy);
    }

    [Theory]
    [MemberData(nameof(WithBatchNorm))]
    public void BatchNorm_running_statistics_are_buffers_that_match_PyTorch_after_one_step(string name)
    {
        var f = TorchReference.Load(name);
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        Assert.Equal(f.Running.Keys.Order(), model.Buffers.Order());
        Assert.Empty(model.Buffers.Intersect(model.Trainable));

        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = f.Batch, Momentum = true });
        Assert.Equal(model.Buffers, artifact.Manifest.Buffers);
        Assert.Equal(model.Trainable.Concat(model.Buffers), artifact.Manifest.Parameters.Select(p => p.Name));
        Assert.DoesNotContain(artifact.Manifest.State, s => model.Buffers.Any(b => s.Name.EndsWith("/" + b, StringComparison.Ordinal)));
        var roundTrip = Artifact.FromBytes(artifact.Bytes).Manifest;
        Assert.Equal(model.Buffers, roundTrip.Buffers);

        using var trainer = new Trainer(artifact, model.InitialParameters());
        var trace = trainer.Train(BatchData.Classification(f.X, f.Labels!, 1), new Hyperparameters { LearningRate = 0.05f });
        Assert.True(Math.Abs(trace.Losses[0] - f.Loss) <= 1e-5 * f.Loss, $"artifact loss {trace.Losses[0]}, PyTorch {f.Loss}");
        var after = trainer.GetParameters();
        double worst = f.RunningMismatch(model.Buffers.ToDictionary(b => b, b => after[b].Values));
        output.WriteLine($"{name}: running statistics after one step, worst element at {worst:G3} of the tolerance 1e-4 |e| + 1e-5 ({f.WorstRunning})");
        Assert.True(worst <= 1, $"running statistics differ from PyTorch's ({worst:G3} times the tolerance)");
        Assert.True(f.RunningMismatch(model.Buffers.ToDictionary(b => b, b => model.Forward.Initializers[b].ToFloats())) > 1,
            "the running statistics should have moved");
        // The graph-level reference agrees (the same lowering outside the Loop).
        Assert.True(f.RunningMismatch(LossKind.SoftmaxCrossEntropy) <= 1);
    }

    [Fact]
    public void An_eval_mode_BatchNorm_export_keeps_its_statistics_fixed()
    {
        var f = TorchReference.Load("bn2d");
        var onnx = OnnxModel.FromBytes(f.Onnx);
        foreach (var n in onnx.Graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            n.Attributes["training_mode"] = 0L;
            n.Outputs.RemoveRange(1, n.Outputs.Count - 1);
        }
        var model = OnnxImporter.Import(onnx.ToBytes(), LossKind.SoftmaxCrossEntropy);
        Assert.Empty(model.Buffers);
        Assert.DoesNotContain("bn.running_mean", model.Trainable);
        Assert.DoesNotContain("bn.running_var", model.Trainable);
        Assert.Contains("bn.weight", model.Trainable);

        using var trainer = new Trainer(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = f.Batch }), model.InitialParameters());
        var losses = trainer.Train(BatchData.Classification([.. f.X, .. f.X], [.. f.Labels!, .. f.Labels!], 2), new Hyperparameters { LearningRate = 0.05f }).Losses;
        // Running statistics (mean 0, variance 1) rather than batch statistics: not PyTorch's train-mode loss.
        Assert.True(Math.Abs(losses[0] - f.Loss) > 1e-3);
        Assert.True(losses[1] < losses[0]);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void Buffers_get_no_optimizer_state_or_federation_inputs_and_move_the_same_under_every_option(OptimizerKind optimizer)
    {
        var f = TorchReference.Load("bn2d");
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        var options = new TrainingOptions
        {
            BatchSize = f.Batch, Optimizer = optimizer, Momentum = optimizer == OptimizerKind.Sgd, WeightDecay = true,
            ClipGradientNorm = true, FedProx = true, Scaffold = true,
        };
        var artifact = ArtifactCompiler.CompileTraining(model, options);
        Assert.All(model.Buffers, b =>
        {
            Assert.DoesNotContain(artifact.Manifest.State, s => s.Name.EndsWith("/" + b, StringComparison.Ordinal));
            Assert.DoesNotContain(artifact.Manifest.ExtraInputs, e => e.EndsWith("/" + b, StringComparison.Ordinal));
        });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        // Federation passes whole weight sets (buffers included) as globals and control variates.
        var full = model.InitialParameters();
        trainer.SetGlobalWeights(full);
        trainer.SetControlVariates(full.WithValues(new float[full.Count]), full.WithValues(new float[full.Count]));
        trainer.Train(BatchData.Classification(f.X, f.Labels!, 1), new Hyperparameters { LearningRate = 0.05f, WeightDecay = 0.1f });
        var after = trainer.GetParameters();
        Assert.True(f.RunningMismatch(model.Buffers.ToDictionary(b => b, b => after[b].Values)) <= 1,
            "weight decay, clipping, FedProx or SCAFFOLD must not touch the running statistics");
    }

    [Theory]
    [MemberData(nameof(WithBatchNorm))]
    public void Evaluation_uses_the_running_statistics(string name)
    {
        var f = TorchReference.Load(name);
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        using var trainer = new Trainer(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = f.Batch }), model.InitialParameters());
        trainer.Train(BatchData.Classification(f.X, f.Labels!, 1), new Hyperparameters { LearningRate = 0f });
        var weights = trainer.GetParameters();   // weights unchanged (lr 0), running statistics moved once

        using var evaluator = new Evaluator(model, f.Batch);
        var eval = evaluator.Evaluate(weights, f.X, f.Labels!);
        output.WriteLine($"{name}: eval loss {eval.Loss:G7}, PyTorch eval-mode loss {f.EvalLoss:G7}, train-mode loss {f.Loss:G7}");
        Assert.True(Math.Abs(eval.Loss - f.EvalLoss!.Value) <= 1e-4 * f.EvalLoss.Value, $"eval loss {eval.Loss}, PyTorch {f.EvalLoss}");
        Assert.True(Math.Abs(eval.Loss - f.Loss) > 1e-3, "evaluation should not use batch statistics");

        // The exported inference model runs BatchNormalization in inference mode on the same running statistics.
        var exported = InferenceExport.ToOnnx(model, weights);
        var bn = exported.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").ToList();
        Assert.NotEmpty(bn);
        Assert.All(bn, n => { Assert.Equal(0, n.Int("training_mode", 0)); Assert.Single(n.Outputs); });
        Assert.Equal(weights[model.Buffers[0]].Values, exported.Graph.Initializers[model.Buffers[0]].ToFloats());
    }

    [Theory]
    [MemberData(nameof(Small))]
    [MemberData(nameof(Torchvision))]
    public void Training_artifact_trains_the_fixture(string name)
    {
        var f = TorchReference.Load(name);
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        using var trainer = new Trainer(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = f.Batch }), model.InitialParameters());
        const int steps = 3;
        var x = Enumerable.Repeat(f.X, steps).SelectMany(v => v).ToArray();
        var y = Enumerable.Repeat(f.Labels!, steps).SelectMany(v => v).ToArray();
        var losses = trainer.Train(BatchData.Classification(x, y, steps), new Hyperparameters { LearningRate = 0.02f }).Losses;
        output.WriteLine($"{name}: losses {string.Join(", ", losses.Select(l => l.ToString("G5")))}");
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        Assert.True(Math.Abs(losses[0] - f.Loss) <= 1e-5 * f.Loss, $"first step's loss {losses[0]}, PyTorch {f.Loss}");
        Assert.True(losses[^1] < losses[0], "the same batch three times should lower the loss");
    }
}
