using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;
using static Tessera.Graphs.Tests.Conformance.NodeModelRunner;

namespace Tessera.Graphs.Tests.Conformance;

/// <summary>One artifact, two runtimes: ONNX Runtime in .NET and onnxruntime-web (WASM) under Node agree step by step.</summary>
public class WebRuntimeConformanceTests
{
    [Theory]
    [InlineData("2nn", OptimizerKind.Sgd, true)]
    [InlineData("cnn", OptimizerKind.Sgd, false)]
    [InlineData("chartransformer", OptimizerKind.AdamW, false)]
    public void Loss_trace_over_20_steps_matches_between_dotnet_and_onnxruntime_web(string name, OptimizerKind optimizer, bool momentum)
    {
        const int steps = 20, batch = 10;
        var model = ModelZoo.Create(name, seed: 7);
        var options = new TrainingOptions { BatchSize = batch, Optimizer = optimizer, Momentum = momentum, WeightDecay = optimizer == OptimizerKind.AdamW };
        var artifact = ArtifactCompiler.CompileTraining(model, options);
        var m = artifact.Manifest;
        long sample = Shapes.Numel(m.SampleShape), label = Shapes.Numel(m.LabelShape);
        long[] xDims = [steps, batch, .. m.SampleShape], yDims = [steps, batch, .. m.LabelShape];
        var hp = new Hyperparameters { LearningRate = optimizer == OptimizerKind.Sgd ? 0.05f : 0.003f, WeightDecay = 0.01f, DropoutSeed = 42 };

        BatchData data;
        var inputs = new List<Input>();
        if (m.InputType == DType.Int64)
        {
            var tokens = TestData.Classes(steps * batch * sample, 96, 11);
            var next = TestData.Classes(steps * batch * label, 96, 12);
            data = BatchData.Sequence(tokens, next, steps);
            inputs.Add(Input.Longs("x", xDims, tokens));
            inputs.Add(Input.Longs("y", yDims, next));
        }
        else
        {
            var x = TestData.Floats(steps * batch * sample, 11);
            var y = TestData.Classes(steps * batch * label, 10, 12);
            data = BatchData.Classification(x, y, steps);
            inputs.Add(Input.Floats("x", xDims, x));
            inputs.Add(Input.Longs("y", yDims, y));
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
            Assert.True(rel <= 1e-4, $"step {i}: .NET loss {dotnet[i]} vs onnxruntime-web {web[i]} (relative error {rel:E2})");
        }
        Assert.True(dotnet[^1] < dotnet[0], $"training should reduce the loss: {dotnet[0]} -> {dotnet[^1]}");
    }
}
