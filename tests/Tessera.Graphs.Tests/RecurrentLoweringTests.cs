using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests;

/// <summary>
/// The unrolled LSTM/GRU/RNN computes what ONNX Runtime's own kernels compute, including the variants PyTorch
/// does not export (linear_before_reset=0, reverse, no bias, no initial state, Relu RNN, batch-first layout).
/// </summary>
public class RecurrentLoweringTests
{
    const long T = 4, B = 3, I = 5, H = 6;

    static Graph Cell(string op, int layout = 0, string direction = "forward", bool bias = true, bool initial = true,
        Action<Node>? configure = null)
    {
        int gates = op switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        long dirs = direction == "bidirectional" ? 2 : 1;
        var g = new Graph(op);
        var init = new WeightInit((ulong)(op.Length * 31 + layout * 7 + direction.Length));
        g.Inputs.Add(new ValueInfo("X", DType.Float, layout == 0 ? [T, B, I] : [B, T, I]));
        g.Initializers["W"] = TensorData.FromFloats([dirs, gates * H, I], init.Uniform(dirs * gates * H * I, 0.6f));
        g.Initializers["R"] = TensorData.FromFloats([dirs, gates * H, H], init.Uniform(dirs * gates * H * H, 0.6f));
        var inputs = new List<string> { "X", "W", "R", bias ? "B" : "", "" };
        if (bias) g.Initializers["B"] = TensorData.FromFloats([dirs, 2 * gates * H], init.Uniform(dirs * 2 * gates * H, 0.5f));
        long[] stateShape = layout == 0 ? [dirs, B, H] : [B, dirs, H];
        if (initial)
        {
            g.Initializers["h0"] = TensorData.FromFloats(stateShape, init.Uniform(dirs * B * H, 0.8f));
            inputs.Add("h0");
            if (op == "LSTM") { g.Initializers["c0"] = TensorData.FromFloats(stateShape, init.Uniform(dirs * B * H, 0.8f)); inputs.Add("c0"); }
        }
        var outputs = op == "LSTM" ? new[] { "Y", "Y_h", "Y_c" } : ["Y", "Y_h"];
        var node = new Node(op, inputs, outputs, "/rnn/" + op).With("hidden_size", H).With("direction", direction);
        if (layout != 0) node.With("layout", layout);
        configure?.Invoke(node);
        g.Nodes.Add(node);
        var y = layout == 0 ? new long[] { T, dirs, B, H } : [B, T, dirs, H];
        g.Outputs.Add(new ValueInfo("Y", DType.Float, y));
        foreach (var o in outputs.Skip(1)) g.Outputs.Add(new ValueInfo(o, DType.Float, stateShape));
        return g;
    }

    static float[][] Run(Graph g, float[] x)
    {
        using var session = SessionFactory.Create(new OnnxModel(g).ToBytes(), new RuntimeOptions { IntraOpThreads = 1 });
        using var input = OrtValue.CreateTensorValueFromMemory(x, g.Inputs[0].Shape);
        using var results = session.Run(new RunOptions(), ["X"], [input], g.Outputs.Select(o => o.Name).ToArray());
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    static Graph Lowered(Graph native)
    {
        var g = native.Clone();
        RecurrentLowering.Lower(g, ShapeInference.Run(g));
        Assert.DoesNotContain(g.Nodes, n => n.OpType is "LSTM" or "GRU" or "RNN");
        return g;
    }

    static void AssertClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k].Length, actual[k].Length);
            double worst = expected[k].Zip(actual[k], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 1e-5, $"output {k}: max difference {worst}");
        }
    }

    public static readonly TheoryData<string, string, bool, bool, long> Cases = new()
    {
        { "LSTM", "forward", true, true, 0 },
        { "LSTM", "reverse", false, false, 0 },
        { "LSTM", "bidirectional", true, true, 0 },
        { "GRU", "forward", true, true, 1 },
        { "GRU", "bidirectional", true, false, 0 },
        { "GRU", "reverse", false, true, 0 },
        { "RNN", "forward", true, true, 0 },
        { "RNN", "bidirectional", true, false, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unrolled_cell_matches_the_runtime_kernel(string op, string direction, bool bias, bool initial, long linearBeforeReset)
    {
        var native = Cell(op, 0, direction, bias, initial, n => { if (op == "GRU") n.With("linear_before_reset", linearBeforeReset); });
        var x = new WeightInit(9).Uniform(T * B * I, 1f);
        AssertClose(Run(native, x), Run(Lowered(native), x));
    }

    [Fact]
    public void Relu_RNN_matches_the_runtime_kernel()
    {
        var native = Cell("RNN", 0, "bidirectional", configure: n => n.With("activations", new[] { "Relu", "Relu" }));
        var x = new WeightInit(10).Uniform(T * B * I, 1f);
        AssertClose(Run(native, x), Run(Lowered(native), x));
    }

    /// <summary>ONNX Runtime's CPU kernels refuse layout=1, so batch-first is checked against layout 0 on transposed data.</summary>
    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void Batch_first_layout_matches_time_major(string op)
    {
        var timeMajor = Cell(op, 0, "bidirectional", configure: n => { if (op == "GRU") n.With("linear_before_reset", 1); });
        var batchFirst = Cell(op, 1, "bidirectional", configure: n => { if (op == "GRU") n.With("linear_before_reset", 1); });
        // Same weights; batch-first initial states are the time-major ones transposed.
        foreach (var k in timeMajor.Initializers.Keys.ToList()) batchFirst.Initializers[k] = k is "h0" or "c0" ? Transpose3(timeMajor.Initializers[k], 1, 0, 2) : timeMajor.Initializers[k];
        var x = new WeightInit(11).Uniform(T * B * I, 1f);
        var expected = Run(timeMajor, x);
        var actual = Run(Lowered(batchFirst), Transpose3(TensorData.FromFloats([T, B, I], x), 1, 0, 2).ToFloats());
        Assert.Equal(expected[0], Transpose4(actual[0], [B, T, 2, H], [1, 2, 0, 3]), new Tolerance());
        for (int k = 1; k < expected.Length; k++)
            Assert.Equal(expected[k], Transpose3(TensorData.FromFloats([B, 2, H], actual[k]), 1, 0, 2).ToFloats(), new Tolerance());
    }

    [Theory]
    [InlineData("clip", "cell clipping")]
    [InlineData("sequence_lens", "sequence_lens")]
    [InlineData("peephole", "peephole")]
    [InlineData("activations", "activations")]
    public void Unsupported_variants_are_refused_naming_the_node(string variant, string message)
    {
        var g = Cell("LSTM", configure: n =>
        {
            switch (variant)
            {
                case "clip": n.With("clip", 3f); break;
                case "sequence_lens": n.Inputs[4] = "X"; break;
                case "peephole": n.Inputs.Add("W"); break;
                default: n.With("activations", new[] { "Sigmoid", "Relu", "Tanh" }); break;
            }
        });
        var e = Assert.Throws<UnsupportedOpException>(() => RecurrentLowering.Lower(g, ShapeInference.Run(g)));
        Assert.StartsWith("node '/rnn/LSTM' (LSTM): ", e.Message);
        Assert.Contains(message, e.Message);
    }

    sealed class Tolerance : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) < 1e-5;
        public int GetHashCode(float v) => 0;
    }

    static TensorData Transpose3(TensorData t, int p0, int p1, int p2)
    {
        var s = t.Shape; var v = t.ToFloats();
        long[] perm = [p0, p1, p2];
        var outShape = perm.Select(p => s[p]).ToArray();
        var result = new float[v.Length];
        for (long a = 0; a < outShape[0]; a++)
            for (long b = 0; b < outShape[1]; b++)
                for (long c = 0; c < outShape[2]; c++)
                {
                    var src = new long[3]; src[p0] = a; src[p1] = b; src[p2] = c;
                    result[(a * outShape[1] + b) * outShape[2] + c] = v[(src[0] * s[1] + src[1]) * s[2] + src[2]];
                }
        return TensorData.FromFloats(outShape, result);
    }

    static float[] Transpose4(float[] v, long[] s, int[] perm)
    {
        var outShape = perm.Select(p => s[p]).ToArray();
        var result = new float[v.Length];
        var idx = new long[4];
        for (long k = 0; k < v.Length; k++)
        {
            long rem = k;
            for (int d = 3; d >= 0; d--) { idx[d] = rem % outShape[d]; rem /= outShape[d]; }
            var src = new long[4];
            for (int d = 0; d < 4; d++) src[perm[d]] = idx[d];
            result[k] = v[((src[0] * s[1] + src[1]) * s[2] + src[2]) * s[3] + src[3]];
        }
        return result;
    }
}
