using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Cli.Commands;

/// <summary>
/// The machine's measured single-precision peak, the denominator of MFU: a large square SGEMM (one ONNX MatMul
/// built in-process) through ONNX Runtime with the same threads as the training being compared.
/// </summary>
internal static class GemmPeak
{
    public static Graph MatMulGraph(long n) => MatMulGraph(n, n, n);

    /// <summary>One MatMul [m, k] × [k, n] → c.</summary>
    public static Graph MatMulGraph(long m, long k, long n)
    {
        var g = new Graph("sgemm");
        g.Inputs.Add(new ValueInfo("a", DType.Float, [m, k]));
        g.Inputs.Add(new ValueInfo("b", DType.Float, [k, n]));
        g.Nodes.Add(new Node("MatMul", ["a", "b"], ["c"], "sgemm"));
        g.Outputs.Add(new ValueInfo("c", DType.Float, [m, n]));
        return g;
    }

    /// <summary>GFLOP/s (2n³ per product) of the fastest of <paramref name="reps"/> timed products, after one warm-up.</summary>
    public static double Measure(RuntimeOptions runtime, int n = 1024, int reps = 5) => Measure(runtime, n, n, n, reps);

    /// <summary>GFLOP/s (2mkn per product) of the fastest of <paramref name="reps"/> timed products [m, k] × [k, n], after one warm-up.</summary>
    public static double Measure(RuntimeOptions runtime, int m, int k, int n, int reps)
    {
        using var session = SessionFactory.Create(new OnnxModel(MatMulGraph(m, k, n)).ToBytes(), runtime);
        var init = new WeightInit(7);
        using var a = OrtValue.CreateTensorValueFromMemory(init.Uniform((long)m * k, 1f), [m, k]);
        using var b = OrtValue.CreateTensorValueFromMemory(init.Uniform((long)k * n, 1f), [k, n]);
        using var c = OrtValue.CreateTensorValueFromMemory(new float[(long)m * n], [m, n]);
        using var io = session.CreateIoBinding();
        io.BindInput("a", a);
        io.BindInput("b", b);
        io.BindOutput("c", c);
        using var run = new RunOptions();
        session.RunWithBinding(run, io); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < reps; i++)
        {
            var w = Stopwatch.StartNew();
            session.RunWithBinding(run, io);
            best = Math.Min(best, w.Elapsed.TotalSeconds);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
