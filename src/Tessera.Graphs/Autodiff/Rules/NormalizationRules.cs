namespace Tessera.Graphs.Autodiff;

/// <summary>LayerNormalization. Mean and inverse deviation are recomputed rather than read from optional outputs.</summary>
internal static class NormalizationRules
{
    public static void Register(Dictionary<string, GradientRule> r) => r["LayerNormalization"] = LayerNorm;

    static void LayerNorm(GradientContext c, Node n)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null) return;
        var b = c.B;
        var x = n.Inputs[0];
        var sx = c.Shape(x);
        int axis = Shapes.Axis(n.Int("axis", -1), sx.Length);
        float eps = n.Float("epsilon", 1e-5f);
        var normAxes = Enumerable.Range(axis, sx.Length - axis).Select(i => (long)i).ToArray();
        var leadAxes = Enumerable.Range(0, axis).Select(i => (long)i).ToArray();

        var mean = b.ReduceMean(x, normAxes, keepDims: true);
        var centered = b.Sub(x, mean);
        var variance = b.ReduceMean(b.Mul(centered, centered), normAxes, keepDims: true);
        var rstd = b.Op("Reciprocal", b.Sqrt(b.Add(variance, b.Scalar(eps))));
        var xhat = b.Mul(centered, rstd);

        var scale = n.Inputs[1];
        if (c.Needs(scale))
            c.Accumulate(scale, b.Reshape(leadAxes.Length > 0 ? b.ReduceSum(b.Mul(g, xhat), leadAxes, keepDims: false) : b.Mul(g, xhat), c.Shape(scale)));
        if (n.Input(2) is { } bias && c.Needs(bias))
            c.Accumulate(bias, b.Reshape(leadAxes.Length > 0 ? b.ReduceSum(g, leadAxes, keepDims: false) : g, c.Shape(bias)));
        if (c.Needs(x))
        {
            // dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), gh = g * scale
            var gh = b.Mul(g, scale);
            var m1 = b.ReduceMean(gh, normAxes, keepDims: true);
            var m2 = b.ReduceMean(b.Mul(gh, xhat), normAxes, keepDims: true);
            c.Accumulate(x, b.Mul(rstd, b.Sub(b.Sub(gh, m1), b.Mul(xhat, m2))));
        }
    }
}
