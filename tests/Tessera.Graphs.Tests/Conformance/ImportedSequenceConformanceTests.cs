using Tessera.Graphs.Interop;
using Tessera.Graphs.Tests.PyTorch;
using Tessera.Graphs.Training;
using Tessera.Runtime;
using static Tessera.Graphs.Tests.Conformance.NodeModelRunner;

namespace Tessera.Graphs.Tests.Conformance;

/// <summary>Imported PyTorch sequence models (unrolled LSTM, GRU; attention) train identically in .NET and onnxruntime-web.</summary>
public class ImportedSequenceConformanceTests
{
    [Theory]
    [InlineData("lstm_bi_lm")]
    [InlineData("gru_cls")]
    [InlineData("encoder_dropout")]
    public void Loss_trace_matches_between_dotnet_and_onnxruntime_web(string name)
    {
        const int steps = 8, batch = 4;
        var model = OnnxImporter.Import(TorchReference.Load(name).Onnx, LossKind.SoftmaxCrossEntropy, name);
        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = batch, Optimizer = OptimizerKind.Adam });
        var m = artifact.Manifest;
        long sample = Shapes.Numel(m.SampleShape), label = Shapes.Numel(m.LabelShape);
        long classes = model.Forward.Outputs[0].Shape[^1];
        long[] xDims = [steps, batch, .. m.SampleShape], yDims = [steps, batch, .. m.LabelShape];
        var hp = new Hyperparameters { LearningRate = 0.01f, DropoutSeed = 3 };

        var y = TestData.Classes(steps * batch * label, (int)classes, 12);
        var inputs = new List<Input> { Input.Longs("y", yDims, y) };
        BatchData data;
        if (m.InputType == DType.Int64)
        {
            var tokens = TestData.Classes(steps * batch * sample, 11, 11);
            data = BatchData.Sequence(tokens, y, steps);
            inputs.Add(Input.Longs("x", xDims, tokens));
        }
        else
        {
            var x = TestData.Floats(steps * batch * sample, 11);
            data = BatchData.Classification(x, y, steps);
            inputs.Add(Input.Floats("x", xDims, x));
        }
        foreach (var h in m.Hyperparameters)
            inputs.Add(h == "dropout_seed" ? Input.Longs(h, [], [hp.DropoutSeed]) : Input.Floats(h, [], [hp.Value(h)]));
        var initial = model.InitialParameters();
        foreach (var t in initial.Tensors) inputs.Add(Input.Floats(ArtifactManifest.ParamPrefix + t.Name, t.Shape, t.Values));
        foreach (var s in m.State) inputs.Add(Input.Floats(ArtifactManifest.StatePrefix + s.Name, s.Shape, new float[Shapes.Numel(s.Shape)]));

        using var trainer = new Trainer(artifact, initial);
        var dotnet = trainer.Train(data, hp).Losses;
        var web = NodeModelRunner.Run(artifact.Bytes, inputs)["losses"];
        Assert.Equal(steps, web.Length);
        for (int i = 0; i < steps; i++)
        {
            double rel = Math.Abs(dotnet[i] - web[i]) / Math.Max(1e-6, Math.Abs(dotnet[i]));
            Assert.True(rel <= 1e-4, $"{name} step {i}: .NET loss {dotnet[i]} vs onnxruntime-web {web[i]} (relative error {rel:E2})");
        }
    }
}
