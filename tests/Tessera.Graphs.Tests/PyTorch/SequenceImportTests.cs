using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;
using Xunit.Abstractions;

namespace Tessera.Graphs.Tests.PyTorch;

/// <summary>Real PyTorch exports of sequence and attention models (see generate_sequence.py) import, match PyTorch's loss and gradients, and train.</summary>
public class SequenceImportTests(ITestOutputHelper output)
{
    public static readonly TheoryData<string> Compared =
    [
        "lstm_lm", "lstm2_lm_seqfirst", "lstm_bi_lm", "gru_cls", "gru2_cls_seqfirst", "gru_bi_cls",
        "mha_cls", "mha_cls_seqfirst", "encoder_relu", "encoder_gelu_normfirst", "encoder_causal_lm",
    ];

    [Theory]
    [MemberData(nameof(Compared))]
    public void Loss_and_gradients_match_PyTorch(string name)
    {
        var f = TorchReference.Load(name);
        var (lossError, errors) = f.Errors(LossKind.SoftmaxCrossEntropy);
        output.WriteLine($"{name}: loss rel {lossError:G3}, max grad rel {errors.Values.Max():G3} ({errors.MaxBy(kv => kv.Value).Key})");
        f.AssertGradientsMatch(LossKind.SoftmaxCrossEntropy);
    }

    /// <summary>Models exported with a dynamic batch train at batch 4 (neither the export's 3 nor the importer's probe 2); fixed-batch ones at their own.</summary>
    [Theory]
    [InlineData("lstm_lm", 4)]
    [InlineData("lstm2_lm_seqfirst", 3)]
    [InlineData("lstm_bi_lm", 4)]
    [InlineData("gru_cls", 4)]
    [InlineData("gru2_cls_seqfirst", 3)]
    [InlineData("gru_bi_cls", 4)]
    [InlineData("mha_cls", 4)]
    [InlineData("mha_cls_seqfirst", 3)]
    [InlineData("encoder_relu", 4)]
    [InlineData("encoder_gelu_normfirst", 3)]
    [InlineData("encoder_dropout", 4)]
    [InlineData("encoder_causal_lm", 4)]
    public void Training_artifact_lowers_the_loss(string name, int batch)
    {
        var f = TorchReference.Load(name);
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy, name);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch, Optimizer = OptimizerKind.Adam });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        var trace = trainer.Train(RepeatedBatch(model, batch, steps: 12), new Hyperparameters { LearningRate = 0.02f, DropoutSeed = 5 });
        output.WriteLine($"{name}: {string.Join(" ", trace.Losses.Select(l => l.ToString("F3")))}");
        Assert.True(trace.Losses[^1] < 0.8f * trace.Losses[0], $"{name}: loss {trace.Losses[0]} -> {trace.Losses[^1]}");
    }

    [Fact]
    public void Dropout_with_p_above_zero_is_lowered_to_seeded_masks_and_stays_off_in_evaluation()
    {
        var f = TorchReference.Load("encoder_dropout");
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        var dropouts = model.Forward.Nodes.Where(n => n.OpType == "Dropout").ToList();
        Assert.Equal(4, dropouts.Count);
        Assert.All(dropouts, d => Assert.Equal(2, d.Inputs.Count)); // the exporter's training_mode=true is gone: evaluation is the identity

        var train = OnnxModel.FromBytes(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 3 }).Bytes);
        var body = train.Graph.Nodes.Single(n => n.OpType == "Loop").Subgraph("body")!;
        Assert.DoesNotContain(body.Nodes, n => n.OpType == "Dropout");

        // Two seeds draw different masks, so the same step gives different losses; without dropout they would agree.
        float FirstLoss(long seed)
        {
            using var trainer = new Trainer(ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 3 }), model.InitialParameters());
            return trainer.Train(RepeatedBatch(model, 3, steps: 1), new Hyperparameters { LearningRate = 0f, DropoutSeed = seed }).Losses[0];
        }
        Assert.NotEqual(FirstLoss(1), FirstLoss(2));
    }

    [Fact]
    public void Dropout_with_p_zero_imports_as_identity()
    {
        var f = TorchReference.Load("encoder_relu");
        Assert.Equal(3, OnnxModel.FromBytes(f.Onnx).Graph.Nodes.Count(n => n.OpType == "Dropout"));
        var model = OnnxImporter.Import(f.Onnx, LossKind.SoftmaxCrossEntropy);
        Assert.DoesNotContain(model.Forward.Nodes, n => n.OpType == "Dropout");
    }

    [Fact]
    public void A_fixed_batch_export_compiled_at_another_batch_is_refused_with_the_fix()
    {
        var model = OnnxImporter.Import(TorchReference.Load("lstm2_lm_seqfirst").Onnx, LossKind.SoftmaxCrossEntropy, "lstm2");
        Assert.Equal(3, model.FixedBatch);
        var e = Assert.Throws<OnnxFormatException>(() => ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 4 }));
        Assert.Contains("fixed batch size of 3", e.Message);
        Assert.Contains("dynamic_axes", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Null(OnnxImporter.Import(TorchReference.Load("lstm_lm").Onnx, LossKind.SoftmaxCrossEntropy).FixedBatch);
    }

    /// <summary>One deterministic batch repeated: a model that learns must fit it within a few steps.</summary>
    static BatchData RepeatedBatch(TrainableModel model, int batch, int steps)
    {
        var rng = new WeightInit(77);
        long classes = model.Forward.Outputs[0].Shape[^1];
        long perSample = Shapes.Numel(model.SampleShape), labelsPerSample = Shapes.Numel(model.LabelShape);
        var labels = Enumerable.Range(0, batch * (int)labelsPerSample).Select(_ => (long)(rng.NextFloat() * classes)).ToArray();
        var y = Enumerable.Repeat(labels, steps).SelectMany(v => v).ToArray();
        if (model.Input.Type == DType.Int64)
        {
            var tokens = Enumerable.Range(0, batch * (int)perSample).Select(_ => (long)(rng.NextFloat() * 11)).ToArray();
            return BatchData.Sequence(Enumerable.Repeat(tokens, steps).SelectMany(v => v).ToArray(), y, steps);
        }
        var x = rng.Uniform(batch * perSample, 1f);
        return BatchData.Classification(Enumerable.Repeat(x, steps).SelectMany(v => v).ToArray(), y, steps);
    }
}
