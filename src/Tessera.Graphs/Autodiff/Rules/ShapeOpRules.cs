namespace Tessera.Graphs.Autodiff;

/// <summary>Ops that move data without arithmetic: their gradient moves it back.</summary>
internal static class ShapeOpRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        GradientRule reshapeBack = (c, n) => ElementwiseRules.Unary(c, n, g => c.B.Reshape(g, c.Shape(n.Inputs[0])));
        r["Reshape"] = reshapeBack;
        r["Flatten"] = reshapeBack;
        r["Squeeze"] = reshapeBack;
        r["Unsqueeze"] = reshapeBack;
        r["Dropout"] = (c, n) => ElementwiseRules.Unary(c, n, g => g); // inference-mode Dropout is the identity
        r["Transpose"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            int rank = c.Rank(n.Inputs[0]);
            var perm = n.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            var inverse = new long[rank];
            for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
            return c.B.Transpose(g, inverse);
        });
        r["Concat"] = (c, n) =>
        {
            var g = c.Grad(n.Outputs[0])!;
            int axis = Shapes.Axis(n.Int("axis", 0), c.Rank(n.Outputs[0]));
            var sizes = n.Inputs.Select(i => c.Shape(i)[axis]).ToArray();
            var parts = c.B.Ops("Split", [g, c.B.Ints(sizes)], n.Inputs.Count, ("axis", (long)axis));
            for (int i = 0; i < parts.Length; i++) c.Accumulate(n.Inputs[i], parts[i]);
        };
        r["Split"] = (c, n) =>
        {
            int axis = Shapes.Axis(n.Int("axis", 0), c.Rank(n.Inputs[0]));
            var parts = n.Outputs.Select(c.GradOrZeros).ToArray();
            c.Accumulate(n.Inputs[0], c.B.Op("Concat", parts, ("axis", (long)axis)));
        };
        r["Slice"] = Slice;
        // Trilu keeps a triangle (causal masks): the gradient keeps the same triangle.
        r["Trilu"] = (c, n) => ElementwiseRules.Unary(c, n, g => c.B.Op("Trilu", [g, .. n.Inputs.Skip(1)], ("upper", n.Int("upper", 1))));
        r["Gather"] = Gather;
        r["GatherElements"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
            c.B.Op("ScatterElements", [c.Zeros(n.Inputs[0]), n.Inputs[1], g],
                ("axis", n.Int("axis", 0)), ("reduction", "add")));
    }

    /// <summary>
    /// Slice's gradient pads the incoming gradient with zeros back to the input's extent; with non-unit
    /// (or negative) steps it scatters it back instead.
    /// </summary>
    static void Slice(GradientContext c, Node n)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null || !c.Needs(n.Inputs[0])) return;
        var x = c.Shape(n.Inputs[0]);
        var (starts, ends, axes, steps) = ShapeRules.SliceParams(c.Shapes, n, x.Length);
        if (steps.Any(s => s != 1)) { StridedSlice(c, n, g, x); return; }
        var pads = new long[2 * x.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            var (st, en) = ShapeRules.SliceRange(x[axes[i]], starts[i], ends[i], 1);
            pads[axes[i]] = st;
            pads[axes[i] + x.Length] = x[axes[i]] - Math.Max(en, st);
        }
        c.Accumulate(n.Inputs[0], c.B.Op("Pad", [g, c.B.Ints(pads)], ("mode", "constant")));
    }

    /// <summary>
    /// Slices the flat positions of the input with the forward node's own parameters, which names the input
    /// element each output element came from, and scatters the gradient there.
    /// </summary>
    static void StridedSlice(GradientContext c, Node n, string g, long[] x)
    {
        long total = Shapes.Numel(x);
        var positions = c.B.Reshape(c.B.Op("Range", c.B.ScalarInt(0), c.B.ScalarInt(total), c.B.ScalarInt(1)), x);
        var picked = c.B.Op("Slice", [positions, .. n.Inputs.Skip(1)]);
        var zeros = c.B.Op("ConstantOfShape", [c.B.Ints(total)], ("value", TensorData.FromFloats([1], [0f])));
        var scattered = c.B.Op("ScatterElements", [zeros, c.B.Reshape(picked, -1), c.B.Reshape(g, -1)], ("axis", 0L));
        c.Accumulate(n.Inputs[0], c.B.Reshape(scattered, x));
    }

    /// <summary>
    /// Gather (embeddings on axis 0, or any axis): viewing the data as [outer, axis, inner] and the gradient as
    /// [outer, count, inner], scatter-add each looked-up slice's gradient into a zero table (repeated indices add).
    /// </summary>
    static void Gather(GradientContext c, Node n)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null || !c.Needs(n.Inputs[0])) return;
        var data = c.Shape(n.Inputs[0]);
        int axis = Shapes.Axis(n.Int("axis", 0), data.Length);
        long outer = Shapes.Numel(data[..axis]), inner = Shapes.Numel(data[(axis + 1)..]);
        long count = Shapes.Numel(c.Shape(n.Inputs[1]));
        var idx = c.B.Expand(c.B.Reshape(n.Inputs[1], 1, count, 1), c.B.Ints(outer, count, inner));
        var updates = c.B.Reshape(g, outer, count, inner);
        var table = c.B.Op("ConstantOfShape", [c.B.Ints(outer, data[axis], inner)], ("value", TensorData.FromFloats([1], [0f])));
        var scattered = c.B.Op("ScatterElements", [table, idx, updates], ("axis", 1L), ("reduction", "add"));
        c.Accumulate(n.Inputs[0], c.B.Reshape(scattered, data));
    }
}
