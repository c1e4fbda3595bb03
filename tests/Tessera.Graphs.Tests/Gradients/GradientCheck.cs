using System.Text;
using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs.Autodiff;
using Tessera.Graphs.Zoo;
using Tessera.Runtime;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>
/// Checks the gradients <see cref="Differentiator"/> emits against central finite differences, both run by
/// ONNX Runtime. The loss is sum(output * R) with R a fixed random tensor, so every output element's
/// gradient counts and each is weighted differently: a rule that drops a scale, sums the wrong axis or
/// routes gradient to the wrong element fails. Numeric losses are summed in double from the float outputs.
/// </summary>
internal sealed class GradientCheck
{
    sealed record Wrt(string Name, long[] Shape, float[] Values);

    readonly string _label;
    readonly List<Wrt> _wrt = new();

    public Graph Graph { get; }
    public GraphBuilder B { get; }

    /// <summary>Finite-difference step. Inputs must stay at least this far from kinks (Relu at 0, Max ties).</summary>
    public float Eps { get; set; } = 1e-2f;
    public double Atol { get; set; } = 2e-3;
    public double Rtol { get; set; } = 2e-2;
    /// <summary>Tensors up to this many elements are checked whole; larger ones on a random subset of <see cref="Samples"/>.</summary>
    public int CheckAllUpTo { get; set; } = 64;
    public int Samples { get; set; } = 32;
    /// <summary>Fail when an input's numeric gradient is zero on every checked element (a vacuous check).</summary>
    public bool RequireSignal { get; set; } = true;

    public GradientCheck(string label) : this(label, new Graph(label)) { }

    /// <summary>Checks a prebuilt graph; call <see cref="Differentiate"/> for each of its float inputs.</summary>
    public GradientCheck(string label, Graph graph)
    {
        _label = label;
        Graph = graph;
        B = new GraphBuilder(graph, "gc");
    }

    /// <summary>Declares a graph input to differentiate; values default to uniform in [-1, 1].</summary>
    public string Input(string name, long[] shape, float[]? values = null)
    {
        values ??= GradValues.Uniform(shape, seed: (ulong)(101 + 7 * _wrt.Count));
        Graph.Inputs.Add(new ValueInfo(B.Claim(name), DType.Float, shape));
        return Differentiate(name, values);
    }

    /// <summary>Marks an existing float graph input as differentiated, fed with these values.</summary>
    public string Differentiate(string name, float[] values)
    {
        var info = Graph.Inputs.Single(i => i.Name == name);
        if (values.LongLength != Shapes.Numel(info.Shape))
            throw new ArgumentException($"input '{name}' {Shapes.Format(info.Shape)} given {values.Length} values");
        _wrt.Add(new Wrt(name, info.Shape, (float[])values.Clone()));
        return name;
    }

    /// <summary>Builds the loss over <paramref name="outputs"/>, differentiates, and compares with finite differences.</summary>
    public void Check(params string[] outputs)
    {
        var undeclared = Graph.Inputs.Select(i => i.Name).Except(_wrt.Select(w => w.Name)).ToList();
        if (undeclared.Count > 0) throw new InvalidOperationException($"graph inputs not fed: {string.Join(", ", undeclared)}");

        var forwardShapes = ShapeInference.Run(Graph);
        var weights = new List<float[]>();
        string? loss = null;
        var rng = new WeightInit(0xC0FFEE);
        foreach (var o in outputs)
        {
            var shape = forwardShapes.Shape(o);
            var r = rng.Uniform(Shapes.Numel(shape), 1f);
            weights.Add(r);
            var term = B.SumAll(B.Mul(o, B.Const(TensorData.FromFloats(shape, r))));
            loss = loss is null ? term : B.Add(loss, term);
        }

        // The finite-difference model computes only the outputs; the loss is summed in double here.
        var forward = Graph.Clone();
        forward.Outputs.Clear();
        forward.Outputs.AddRange(outputs.Select(o => new ValueInfo(o, DType.Float, forwardShapes.Shape(o))));

        var grads = Differentiator.Backward(B, ShapeInference.Run(Graph), loss!, _wrt.Select(w => w.Name).ToList());
        Graph.Outputs.Clear();
        foreach (var w in _wrt)
        {
            // An Identity per gradient: several inputs may share one gradient value (Add gives both operands g).
            var named = B.Claim("grad/" + w.Name);
            B.AddNode("Identity", [grads[w.Name]], [named]);
            Graph.Outputs.Add(new ValueInfo(named, DType.Float, w.Shape));
        }

        var options = new RuntimeOptions { IntraOpThreads = 1 };
        using var backward = SessionFactory.Create(new OnnxModel(Graph).ToBytes(), options);
        using var fwd = SessionFactory.Create(new OnnxModel(forward).ToBytes(), options);
        var feeds = _wrt.ToDictionary(w => w.Name, w => OrtValue.CreateTensorValueFromMemory(w.Values, w.Shape));
        try
        {
            var analytic = Run(backward, feeds, Graph.Outputs.Select(o => o.Name).ToArray());
            double Loss()
            {
                var ys = Run(fwd, feeds, outputs);
                double sum = 0;
                for (int k = 0; k < ys.Length; k++)
                    for (int i = 0; i < ys[k].Length; i++) sum += (double)ys[k][i] * weights[k][i];
                return sum;
            }
            var report = new StringBuilder();
            for (int k = 0; k < _wrt.Count; k++) Compare(_wrt[k], analytic[k], Loss, report);
            if (report.Length > 0) Assert.Fail($"{_label}: gradient does not match finite differences\n{report}");
        }
        finally
        {
            foreach (var v in feeds.Values) v.Dispose();
        }
    }

    void Compare(Wrt w, float[] analytic, Func<double> loss, StringBuilder report)
    {
        var v = w.Values;
        double maxNumeric = 0, worstExcess = 0;
        string? worst = null;
        int failures = 0;
        var indices = Indices(v.Length);
        foreach (var i in indices)
        {
            float orig = v[i];
            float hi = orig + Eps, lo = orig - Eps;
            v[i] = hi; double up = loss();
            v[i] = lo; double down = loss();
            v[i] = orig;
            double numeric = (up - down) / ((double)hi - lo);
            double diff = Math.Abs(analytic[i] - numeric), allowed = Atol + Rtol * Math.Abs(numeric);
            maxNumeric = Math.Max(maxNumeric, Math.Abs(numeric));
            if (diff <= allowed) continue;
            failures++;
            if (diff - allowed > worstExcess)
            {
                worstExcess = diff - allowed;
                worst = $"{w.Name}{Index(w.Shape, i)} (flat {i}): analytic {analytic[i]:G6}, numeric {numeric:G6}";
            }
        }
        if (failures > 0) report.AppendLine($"  d loss/d {w.Name}: {failures} of {indices.Length} elements off; worst {worst}");
        else if (RequireSignal && maxNumeric < 1e-4)
            report.AppendLine($"  d loss/d {w.Name}: numeric gradient is zero on every checked element, so the check proves nothing");
    }

    int[] Indices(int count)
    {
        if (count <= CheckAllUpTo) return Enumerable.Range(0, count).ToArray();
        // A deterministic partial Fisher-Yates shuffle picks distinct elements.
        var all = Enumerable.Range(0, count).ToArray();
        var rng = new WeightInit((ulong)count * 31 + 7);
        int take = Math.Min(Samples, count);
        for (int i = 0; i < take; i++)
        {
            int j = i + (int)(rng.NextFloat() * (count - i));
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..take];
    }

    static string Index(long[] shape, long flat)
    {
        var idx = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = flat % shape[d]; flat /= shape[d]; }
        return "[" + string.Join(",", idx) + "]";
    }

    static float[][] Run(InferenceSession session, Dictionary<string, OrtValue> feeds, string[] outputs)
    {
        using var options = new RunOptions();
        using var results = session.Run(options, feeds, outputs);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }
}
