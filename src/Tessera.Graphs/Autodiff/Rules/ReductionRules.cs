namespace Tessera.Graphs.Autodiff;

/// <summary>Reductions: the gradient is broadcast back over the reduced axes (scaled for means, masked for max).</summary>
internal static class ReductionRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        r["ReduceSum"] = (c, n) => ElementwiseRules.Unary(c, n, g => Spread(c, n, g));
        r["ReduceMean"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            long count = Shapes.Numel(c.Shape(n.Inputs[0])) / Math.Max(1, Shapes.Numel(c.Shape(n.Outputs[0])));
            return c.B.Mul(Spread(c, n, g), c.B.Scalar(1f / count));
        });
        r["ReduceSumSquare"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
            c.B.Mul(Spread(c, n, g), c.B.Mul(n.Inputs[0], c.B.Scalar(2f))));
        r["ReduceMax"] = (c, n) => ElementwiseRules.Unary(c, n, g => Arg(c, n, g));
        r["ReduceMin"] = (c, n) => ElementwiseRules.Unary(c, n, g => Arg(c, n, g));
    }

    /// <summary>Reshapes the gradient to the keep-dims shape and expands it to the input's shape.</summary>
    static string Spread(GradientContext c, Node n, string g)
    {
        var x = c.Shape(n.Inputs[0]);
        var axes = ShapeRules.ReduceAxes(c.Shapes, n, x.Length);
        var kept = x.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        return c.B.Expand(c.B.Reshape(g, kept), c.B.Ints(x));
    }

    static string Arg(GradientContext c, Node n, string g)
    {
        var x = c.Shape(n.Inputs[0]);
        var axes = ShapeRules.ReduceAxes(c.Shapes, n, x.Length);
        var kept = x.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var hit = c.B.Op("Equal", n.Inputs[0], c.B.Reshape(n.Outputs[0], kept));
        return c.B.Op("Where", hit, Spread(c, n, g), c.B.Scalar(0f));
    }
}
