using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

public class ImportExportTests
{
    /// <summary>An MLP laid out as torch.onnx.export writes it at opset 17: Gemm transB, Flatten, ReduceMean with an axes attribute, scalar constants as initializers, initializers repeated as graph inputs.</summary>
    static byte[] PyTorchStyleModel()
    {
        var g = new Graph("torch_jit");
        var init = new WeightInit(4);
        g.Inputs.Add(new ValueInfo("input.1", DType.Float, [-1, 1, 4, 4], ["batch_size", null, null, null]));
        g.Outputs.Add(new ValueInfo("logits", DType.Float, [-1, 3], ["batch_size", null]));
        g.Initializers["fc1.weight"] = TensorData.FromFloats([8, 16], init.Uniform(128, 0.25f));
        g.Initializers["fc1.bias"] = TensorData.FromFloats([8], init.Uniform(8, 0.25f));
        g.Initializers["fc2.weight"] = TensorData.FromFloats([3, 8], init.Uniform(24, 0.35f));
        g.Initializers["fc2.bias"] = TensorData.FromFloats([3], init.Uniform(3, 0.35f));
        g.Initializers["onnx::Mul_7"] = TensorData.Scalar(2f);
        foreach (var (k, v) in g.Initializers) g.Inputs.Add(new ValueInfo(k, DType.Float, v.Shape));
        g.Nodes.Add(new Node("Flatten", ["input.1"], ["/Flatten_output_0"], "/Flatten").With("axis", 1));
        g.Nodes.Add(new Node("Gemm", ["/Flatten_output_0", "fc1.weight", "fc1.bias"], ["/fc1/Gemm_output_0"], "/fc1/Gemm").With("transB", 1).With("alpha", 1f).With("beta", 1f));
        g.Nodes.Add(new Node("Relu", ["/fc1/Gemm_output_0"], ["/Relu_output_0"], "/Relu"));
        g.Nodes.Add(new Node("ReduceMean", ["/Relu_output_0"], ["/ReduceMean_output_0"], "/ReduceMean").With("axes", new long[] { 1 }).With("keepdims", 1));
        g.Nodes.Add(new Node("Sub", ["/Relu_output_0", "/ReduceMean_output_0"], ["/Sub_output_0"], "/Sub"));
        g.Nodes.Add(new Node("Mul", ["/Sub_output_0", "onnx::Mul_7"], ["/Mul_output_0"], "/Mul"));
        g.Nodes.Add(new Node("Gemm", ["/Mul_output_0", "fc2.weight", "fc2.bias"], ["logits"], "/fc2/Gemm").With("transB", 1));
        var model = new OnnxModel(g, 17) { ProducerName = "pytorch" };
        return model.ToBytes();
    }

    [Fact]
    public void PyTorch_style_forward_model_imports_trains_and_exports()
    {
        var model = OnnxImporter.Import(PyTorchStyleModel(), LossKind.SoftmaxCrossEntropy, frozen: ["fc1.bias"]);
        Assert.Equal(["fc1.weight", "fc2.weight", "fc2.bias"], model.Trainable); // the scalar constant and the frozen bias do not train
        Assert.Equal(128 + 24 + 3, model.ParameterCount);

        var artifact = ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 6 });
        using var trainer = new Trainer(artifact, model.InitialParameters());
        var (x, y) = TestData.Blobs(60, 16, 3, seed: 2);
        var trace = trainer.Train(BatchData.Classification(x, y, 10), new Hyperparameters { LearningRate = 0.2f });
        Assert.True(trace.Losses[^1] < trace.Losses[0], $"loss {trace.Losses[0]} -> {trace.Losses[^1]}");

        // The exported inference model loads in plain ONNX Runtime and predicts what the evaluation artifact scores.
        var weights = trainer.GetParameters();
        var onnx = InferenceExport.ToOnnx(model, weights).ToBytes();
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [60, 1, 4, 4]);
        using var outputs = session.Run(new RunOptions(), ["input.1"], [input], ["logits"]);
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        int correct = Enumerable.Range(0, 60).Count(i => ArgMax(logits.AsSpan(i * 3, 3)) == y[i]);
        using var evaluator = new Evaluator(model, 20);
        var eval = evaluator.Evaluate(weights, x, y);
        Assert.Equal(eval.Correct, correct);
        Assert.Equal(60, eval.Samples);
    }

    [Fact]
    public void Zoo_model_export_matches_evaluation_accuracy()
    {
        var model = ModelZoo.MnistCnn(seed: 3);
        var weights = model.InitialParameters();
        var x = TestData.Floats(8 * 784, 5);
        var y = TestData.Classes(8, 10, 6);
        var onnx = InferenceExport.ToOnnx(model, weights).ToBytes();
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [8, 1, 28, 28]);
        using var outputs = session.Run(new RunOptions(), [model.Input.Name], [input], [model.Output]);
        Assert.Equal(80, outputs[0].GetTensorDataAsSpan<float>().Length);
    }

    [Fact]
    public void Unsupported_op_is_named_with_its_node()
    {
        var g = new Graph("bad");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [-1, 4]));
        g.Outputs.Add(new ValueInfo("y", DType.Float, [-1, 4]));
        g.Initializers["w"] = TensorData.FromFloats([4, 4], new float[16]);
        g.Nodes.Add(new Node("MatMul", ["x", "w"], ["h"], "mm"));
        g.Nodes.Add(new Node("Hardmax", ["h"], ["y"], "the_hardmax"));
        var e = Assert.Throws<UnsupportedOpException>(() => OnnxImporter.Import(new OnnxModel(g, 17).ToBytes(), LossKind.SoftmaxCrossEntropy));
        Assert.Contains("Hardmax", e.Message);
        Assert.Contains("the_hardmax", e.Message);
    }

    [Fact]
    public void Op_without_gradient_rule_on_the_trainable_path_is_named()
    {
        var g = new Graph("bad");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [-1, 4]));
        g.Outputs.Add(new ValueInfo("y", DType.Float, [-1, 4]));
        g.Initializers["w"] = TensorData.FromFloats([4, 4], new float[16]);
        g.Nodes.Add(new Node("MatMul", ["x", "w"], ["h"], "mm"));
        g.Nodes.Add(new Node("Floor", ["h"], ["f"], "floor_node"));
        g.Nodes.Add(new Node("Round", ["f"], ["y"], "round_node"));
        g.Nodes.Add(new Node("Ceil", ["x"], ["unused"], "ceil_node"));
        var bytes = new OnnxModel(g, 17).ToBytes();
        // Floor/Round carry no gradient, so nothing reaches w: the compiler says the loss does not depend on a trainable value.
        var model = OnnxImporter.Import(bytes, LossKind.MeanSquaredError);
        var e = Assert.Throws<InvalidOperationException>(() => ArtifactCompiler.CompileTraining(model, new TrainingOptions { BatchSize = 2 }));
        Assert.Contains("does not depend on any trainable value", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not an ONNX model")]
    public void Garbage_bytes_are_rejected(byte[] bytes, string message) =>
        Assert.Contains(message, Assert.ThrowsAny<Exception>(() => OnnxImporter.Import(bytes, LossKind.SoftmaxCrossEntropy)).Message);

    static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
