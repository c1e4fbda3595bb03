using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;

namespace Tessera.Graphs.Tests.PyTorch;

/// <summary>Which tensors FedBN keeps local, and how the training artifact's manifest names them.</summary>
public class BatchNormLayersTests
{
    [Theory]
    [InlineData("bn1d")]
    [InlineData("bn2d")]
    [InlineData("resnet18")]
    public void Every_training_mode_BatchNorm_layer_is_local_scale_bias_and_statistics(string name)
    {
        var model = OnnxImporter.Import(TorchReference.Load(name).Onnx, LossKind.SoftmaxCrossEntropy);
        var local = BatchNormLayers.LocalTensors(model);
        var layers = model.Forward.Nodes.Where(n => n.OpType == "BatchNormalization").ToList();
        Assert.NotEmpty(layers);
        Assert.Equal(layers.SelectMany(n => n.Inputs.Skip(1)).Order(), local.Order());
        Assert.Empty(model.Buffers.Except(local));                       // every running statistic
        Assert.Equal(local.Count - model.Buffers.Count, local.Intersect(model.Trainable).Count());   // and the affine weights
        Assert.Equal(model.Trainable.Concat(model.Buffers).Where(local.Contains), local);   // in parameter order

        var fedbn = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 2, LocalBatchNorm = true });
        Assert.Equal(local, Artifact.FromBytes(fedbn.Bytes).Manifest.Local);
        var plain = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 2 });
        Assert.Null(plain.Manifest.Local);
        // Jobs without FedBN keep their artifacts' bytes: the manifest has no "local" key at all.
        Assert.DoesNotContain("\"local\"", plain.Manifest.ToJson());
        Assert.NotEqual(plain.Sha256, fedbn.Sha256);
    }

    [Fact]
    public void An_eval_mode_export_and_a_model_without_BatchNorm_have_nothing_local()
    {
        var onnx = OnnxModel.FromBytes(TorchReference.Load("bn2d").Onnx);
        foreach (var n in onnx.Graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            n.Attributes["training_mode"] = 0L;
            n.Outputs.RemoveRange(1, n.Outputs.Count - 1);
        }
        Assert.Empty(BatchNormLayers.LocalTensors(OnnxImporter.Import(onnx.ToBytes(), LossKind.SoftmaxCrossEntropy)));
        Assert.Empty(BatchNormLayers.LocalTensors(OnnxImporter.Import(TorchReference.Load("layernorm").Onnx, LossKind.SoftmaxCrossEntropy)));
    }
}
