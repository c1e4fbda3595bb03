using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs.Autodiff;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests.PyTorch;

/// <summary>
/// Loads a fixture written by a generate_*.py script from real PyTorch: `&lt;name&gt;.onnx` and
/// `&lt;name&gt;.ref.safetensors` (x, y or targets, loss, grad.&lt;initializer&gt;, running.&lt;buffer&gt;).
/// </summary>
internal static class TorchReference
{
    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "Tessera.Graphs.Tests", "PyTorch", "fixtures");

    public static TorchFixture Load(string name)
    {
        var onnx = File.ReadAllBytes(Path.Combine(Folder, name + ".onnx"));
        var tensors = ReadSafetensors(File.ReadAllBytes(Path.Combine(Folder, name + ".ref.safetensors")));
        var x = tensors["x"];
        var grads = tensors.Where(kv => kv.Key.StartsWith("grad.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["grad.".Length..], kv => kv.Value.Floats());
        var running = tensors.Where(kv => kv.Key.StartsWith("running.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["running.".Length..], kv => kv.Value.Floats());
        return new TorchFixture
        {
            Name = name, Onnx = onnx, XShape = x.Shape,
            XInt = x.Dtype == "I64" ? x.Longs() : null,
            X = x.Dtype == "I64" ? x.Longs().Select(v => (float)v).ToArray() : x.Floats(),
            Labels = tensors.TryGetValue("y", out var y) && y.Dtype == "I64" ? y.Longs() : null,
            Targets = tensors.TryGetValue("y", out var t) && t.Dtype == "F32" ? t.Floats() : null,
            Loss = tensors["loss"].Floats()[0], Grads = grads, Running = running,
        };
    }

    internal sealed record RawTensor(string Dtype, long[] Shape, byte[] Bytes)
    {
        public float[] Floats() => Dtype == "F32" ? MemoryMarshal.Cast<byte, float>(Bytes).ToArray() : throw new InvalidDataException($"tensor is {Dtype}, not F32");
        public long[] Longs() => Dtype == "I64" ? MemoryMarshal.Cast<byte, long>(Bytes).ToArray() : throw new InvalidDataException($"tensor is {Dtype}, not I64");
    }

    /// <summary>safetensors: u64 little-endian header length, a JSON header, then the raw tensor bytes.</summary>
    internal static Dictionary<string, RawTensor> ReadSafetensors(byte[] file)
    {
        long headerLength = BitConverter.ToInt64(file, 0);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength));
        var result = new Dictionary<string, RawTensor>();
        int data = 8 + (int)headerLength;
        foreach (var e in header.RootElement.EnumerateObject())
        {
            if (e.Name == "__metadata__") continue;
            var offsets = e.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt32()).ToArray();
            var shape = e.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            result[e.Name] = new RawTensor(e.Value.GetProperty("dtype").GetString()!, shape, file[(data + offsets[0])..(data + offsets[1])]);
        }
        return result;
    }
}

/// <summary>One PyTorch reference: the exported model, the batch it was run on, and PyTorch's loss and gradients.</summary>
internal sealed class TorchFixture
{
    public required string Name { get; init; }
    public required byte[] Onnx { get; init; }
    /// <summary>The input batch as floats (token ids converted, for int64 inputs see <see cref="XInt"/>).</summary>
    public required float[] X { get; init; }
    public required long[] XShape { get; init; }
    /// <summary>The input batch when the model takes int64 token ids.</summary>
    public long[]? XInt { get; init; }
    public long[]? Labels { get; init; }
    public float[]? Targets { get; init; }
    public required float Loss { get; init; }
    /// <summary>PyTorch's gradient of each trainable initializer, by ONNX initializer name.</summary>
    public required IReadOnlyDictionary<string, float[]> Grads { get; init; }
    public required IReadOnlyDictionary<string, float[]> Running { get; init; }

    public int Batch => (int)XShape[0];

    /// <summary>Tessera's loss and parameter gradients on this batch: the imported forward at this batch size, the loss
    /// head, <see cref="Differentiator.Backward"/>, run by ONNX Runtime.</summary>
    public (float Loss, Dictionary<string, float[]> Grads) TesseraGradients(LossKind loss)
    {
        var model = Import(loss);
        var g = model.ForwardWithBatch(Batch);
        var b = new GraphBuilder(g, "ref");
        var labels = b.Claim("ref/labels");
        g.Inputs.Add(new ValueInfo(labels, model.LabelType, [Batch, .. model.LabelShape]));
        var (lossValue, _) = LossHead.Append(b, loss, model.Output, labels);
        var grads = Differentiator.Backward(b, ShapeInference.Run(g), lossValue, model.Trainable);
        g.Outputs.Clear();
        g.Outputs.Add(new ValueInfo(lossValue, DType.Float, []));
        foreach (var p in model.Trainable)
        {
            var named = b.Claim("ref/grad/" + p);
            b.AddNode("Identity", [grads[p]], [named]);
            g.Outputs.Add(new ValueInfo(named, DType.Float, g.Initializers[p].Shape));
        }
        g.SortTopologically();

        using var session = SessionFactory.Create(new OnnxModel(g).ToBytes(), new RuntimeOptions { IntraOpThreads = 1 });
        using var x = XInt is not null ? OrtValue.CreateTensorValueFromMemory(XInt, XShape) : OrtValue.CreateTensorValueFromMemory(X, XShape);
        using var y = Labels is not null
            ? OrtValue.CreateTensorValueFromMemory(Labels, [Batch, .. model.LabelShape])
            : OrtValue.CreateTensorValueFromMemory(Targets!, [Batch, .. model.LabelShape]);
        using var options = new RunOptions();
        using var results = session.Run(options, new Dictionary<string, OrtValue> { [model.Input.Name] = x, [labels] = y }, g.Outputs.Select(o => o.Name).ToArray());
        var values = results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        return (values[0][0], model.Trainable.Select((p, i) => (p, values[i + 1])).ToDictionary(t => t.p, t => t.Item2));
    }

    /// <summary>
    /// Imports the export with every float initializer PyTorch reports no gradient for frozen: ONNX cannot tell a
    /// buffer (running statistics, a positional table, a mask) from a parameter, so the fixture's gradients say which is which.
    /// </summary>
    public TrainableModel Import(LossKind loss)
    {
        var initializers = OnnxModel.FromBytes(Onnx).Graph.Initializers;
        var buffers = initializers.Where(kv => kv.Value.Type == DType.Float && kv.Value.Shape.Length > 0 && !Grads.ContainsKey(kv.Key)).Select(kv => kv.Key);
        return OnnxImporter.Import(Onnx, loss, Name, frozen: buffers);
    }

    /// <summary>‖g_tessera − g_torch‖ / ‖g_torch‖ for each parameter, and the loss's relative error.</summary>
    public (double LossError, Dictionary<string, double> GradErrors) Errors(LossKind loss)
    {
        var (tLoss, grads) = TesseraGradients(loss);
        var missing = Grads.Keys.Except(grads.Keys).Concat(grads.Keys.Except(Grads.Keys)).ToList();
        if (missing.Count > 0) Assert.Fail($"{Name}: parameters differ between Tessera and PyTorch: {string.Join(", ", missing)}");
        var errors = new Dictionary<string, double>();
        foreach (var (p, expected) in Grads)
        {
            var actual = grads[p];
            Assert.Equal(expected.Length, actual.Length);
            double diff = 0, norm = 0;
            for (int i = 0; i < expected.Length; i++) { diff += Math.Pow(actual[i] - expected[i], 2); norm += Math.Pow(expected[i], 2); }
            errors[p] = norm > 0 ? Math.Sqrt(diff / norm) : Math.Sqrt(diff);
        }
        return (Math.Abs(tLoss - Loss) / Math.Abs(Loss), errors);
    }

    public void AssertGradientsMatch(LossKind loss, double rtol = 1e-4)
    {
        var (lossError, errors) = Errors(loss);
        var report = new StringBuilder();
        if (lossError > 1e-5) report.AppendLine($"  loss: relative error {lossError:G3} (PyTorch {Loss})");
        foreach (var (p, e) in errors.Where(kv => kv.Value > rtol)) report.AppendLine($"  grad {p}: relative error {e:G3}");
        if (report.Length > 0) Assert.Fail($"{Name}: Tessera does not match PyTorch\n{report}");
    }
}
