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
            EvalLoss = tensors.TryGetValue("eval_loss", out var e) ? e.Floats()[0] : null,
            Float32Noise = tensors.Where(kv => kv.Key.StartsWith("noise.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["noise.".Length..], kv => (double)kv.Value.Floats()[0]),
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

/// <summary>One PyTorch reference: the exported model, the batch it was run on, and PyTorch's loss, gradients and running statistics.</summary>
internal sealed class TorchFixture
{
    /// <summary>
    /// A tensor whose reference gradient norm is below this fraction of the model's largest is analytically zero
    /// (float64 rounding: a bias followed by BatchNorm cancels out). A relative error of rounding noise around zero
    /// means nothing, so its error is measured against <see cref="ZeroGradientScale"/> of the largest norm instead.
    /// </summary>
    public const double ZeroGradientThreshold = 1e-9;
    public const double ZeroGradientScale = 1e-2;

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
    /// <summary>PyTorch's BatchNorm running statistics after one training forward pass, by initializer name.</summary>
    public required IReadOnlyDictionary<string, float[]> Running { get; init; }

    /// <summary>PyTorch's loss in eval mode (running statistics after the training pass, weights unchanged), when the model has buffers.</summary>
    public float? EvalLoss { get; init; }
    /// <summary>
    /// How far PyTorch's own float32 gradient of each tensor is from the (float64) reference, where the generator
    /// recorded it: <see cref="AssertGradientsMatch"/> allows a tensor ten times that, when it exceeds rtol.
    /// </summary>
    public IReadOnlyDictionary<string, double> Float32Noise { get; init; } = new Dictionary<string, double>();

    public int Batch => (int)XShape[0];

    /// <summary>The bound a tensor's error is held to: rtol, or ten times PyTorch's own float32 error when that is larger.</summary>
    public double Tolerance(string parameter, double rtol) => Math.Max(rtol, 10 * Float32Noise.GetValueOrDefault(parameter));

    /// <summary>
    /// Tessera's loss, parameter gradients and updated running statistics on this batch: the imported forward at this
    /// batch size with training-mode BatchNorm lowered as the training artifact lowers it, the loss head,
    /// <see cref="Differentiator.Backward"/>, run by ONNX Runtime.
    /// </summary>
    public (float Loss, Dictionary<string, float[]> Grads, Dictionary<string, float[]> Running) TesseraGradients(LossKind loss)
    {
        var model = OnnxImporter.Import(Onnx, loss);
        var g = model.ForwardWithBatch(Batch);
        var b = new GraphBuilder(g, "ref");
        var labels = b.Claim("ref/labels");
        g.Inputs.Add(new ValueInfo(labels, model.LabelType, [Batch, .. model.LabelShape]));
        var running = BatchNormLowering.Lower(b, ShapeInference.Run(g), model.Buffers.ToHashSet());
        g.SortTopologically();
        var (lossValue, _) = LossHead.Append(b, loss, model.Output, labels);
        var grads = Differentiator.Backward(b, ShapeInference.Run(g), lossValue, model.Trainable);
        g.Outputs.Clear();
        g.Outputs.Add(new ValueInfo(lossValue, DType.Float, []));
        void Output(string prefix, string name, string value)
        {
            var named = b.Claim(prefix + name);
            b.AddNode("Identity", [value], [named]);
            g.Outputs.Add(new ValueInfo(named, DType.Float, g.Initializers[name].Shape));
        }
        foreach (var p in model.Trainable) Output("ref/grad/", p, grads[p]);
        foreach (var p in model.Buffers) Output("ref/running/", p, running[p]);
        g.SortTopologically();

        using var session = SessionFactory.Create(new OnnxModel(g).ToBytes(), new RuntimeOptions { IntraOpThreads = 1 });
        using var x = XInt is not null ? OrtValue.CreateTensorValueFromMemory(XInt, XShape) : OrtValue.CreateTensorValueFromMemory(X, XShape);
        using var y = Labels is not null
            ? OrtValue.CreateTensorValueFromMemory(Labels, [Batch, .. model.LabelShape])
            : OrtValue.CreateTensorValueFromMemory(Targets!, [Batch, .. model.LabelShape]);
        using var options = new RunOptions();
        using var results = session.Run(options, new Dictionary<string, OrtValue> { [model.Input.Name] = x, [labels] = y }, g.Outputs.Select(o => o.Name).ToArray());
        var values = results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        int k = 1;
        var gradValues = model.Trainable.ToDictionary(p => p, _ => values[k++]);
        var runningValues = model.Buffers.ToDictionary(p => p, _ => values[k++]);
        return (values[0][0], gradValues, runningValues);
    }

    /// <summary>‖g_tessera − g_torch‖ / ‖g_torch‖ for each parameter (see <see cref="ZeroGradientThreshold"/>), and the loss's relative error.</summary>
    public (double LossError, Dictionary<string, double> GradErrors) Errors(LossKind loss)
    {
        var (tLoss, grads, _) = TesseraGradients(loss);
        var missing = Grads.Keys.Except(grads.Keys).Concat(grads.Keys.Except(Grads.Keys)).ToList();
        if (missing.Count > 0) Assert.Fail($"{Name}: parameters differ between Tessera and PyTorch: {string.Join(", ", missing)}");
        double largest = Grads.Values.Max(Norm);
        var errors = new Dictionary<string, double>();
        foreach (var (p, expected) in Grads)
        {
            var actual = grads[p];
            Assert.Equal(expected.Length, actual.Length);
            double diff = 0;
            for (int i = 0; i < expected.Length; i++) diff += Math.Pow(actual[i] - expected[i], 2);
            double norm = Norm(expected);
            errors[p] = Math.Sqrt(diff) / (norm >= ZeroGradientThreshold * largest ? norm : ZeroGradientScale * largest);
        }
        return (Math.Abs(tLoss - Loss) / Math.Abs(Loss), errors);
    }

    static double Norm(float[] v) => Math.Sqrt(v.Sum(e => (double)e * e));

    public void AssertGradientsMatch(LossKind loss, double rtol = 1e-4)
    {
        var (lossError, errors) = Errors(loss);
        var report = new StringBuilder();
        if (lossError > 1e-5) report.AppendLine($"  loss: relative error {lossError:G3} (PyTorch {Loss})");
        foreach (var (p, e) in errors.Where(kv => kv.Value > Tolerance(kv.Key, rtol)))
            report.AppendLine($"  grad {p}: relative error {e:G3} (bound {Tolerance(p, rtol):G3})");
        if (report.Length > 0) Assert.Fail($"{Name}: Tessera does not match PyTorch\n{report}");
    }

    /// <summary>
    /// How far running statistics are from PyTorch's, in units of the tolerance |a - e| ≤ 1e-4 |e| + 1e-5 per element
    /// (1 or less passes). Elementwise with an absolute part: a running mean can be analytically zero (a 1x1 conv
    /// of a BatchNorm output with zero bias, MobileNetV2's linear bottlenecks), where float32 rounding of O(1)
    /// activations leaves ~1e-6 and a relative error means nothing. A wrong momentum or a biased variance is
    /// off by percent.
    /// </summary>
    /// <summary>The element behind the last <see cref="RunningMismatch(IReadOnlyDictionary{string, float[]})"/>'s result.</summary>
    public string? WorstRunning { get; private set; }

    public double RunningMismatch(IReadOnlyDictionary<string, float[]> actual)
    {
        Assert.Equal(Running.Keys.Order(), actual.Keys.Order());
        double worst = 0;
        foreach (var (name, expected) in Running)
        {
            var a = actual[name];
            Assert.Equal(expected.Length, a.Length);
            for (int i = 0; i < a.Length; i++)
            {
                double e = Math.Abs(a[i] - expected[i]) / (1e-4 * Math.Abs(expected[i]) + 1e-5);
                if (e > worst) { worst = e; WorstRunning = $"{name}[{i}]: {a[i]} vs {expected[i]}"; }
            }
        }
        return worst;
    }

    /// <summary><see cref="RunningMismatch(IReadOnlyDictionary{string, float[]})"/> of the graph-level reference (<see cref="TesseraGradients"/>).</summary>
    public double RunningMismatch(LossKind loss) => RunningMismatch(TesseraGradients(loss).Running);
}
