namespace Tessera.Graphs.Autodiff;

/// <summary>
/// LayerNormalization, InstanceNormalization and inference-mode BatchNormalization. Statistics are recomputed
/// rather than read from optional outputs. Training-mode BatchNormalization never reaches a rule: the compiler
/// lowers it to batch statistics built from primitive ops first (<see cref="Training.BatchNormLowering"/>).
/// </summary>
internal static class NormalizationRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        r["LayerNormalization"] = LayerNorm;
        r["InstanceNormalization"] = InstanceNorm;
        r["BatchNormalization"] = BatchNormInference;
    }

    static void LayerNorm(GradientContext c, Node n)
    {
        var x = n.Inputs[0];
        int rank = c.Rank(x);
        int axis = Shapes.Axis(n.Int("axis", -1), rank);
        var normAxes = Enumerable.Range(axis, rank - axis).Select(i => (long)i).ToArray();
        var paramAxes = Enumerable.Range(0, axis).Select(i => (long)i).ToArray();
        Normalized(c, n, normAxes, paramAxes, n.Inputs[1], n.Input(2), scaleShape: null);
    }

    /// <summary>Normalizes each (sample, channel) over the spatial axes; scale and bias are per channel.</summary>
    static void InstanceNorm(GradientContext c, Node n)
    {
        var x = n.Inputs[0];
        int rank = c.Rank(x);
        var spatial = Enumerable.Range(2, rank - 2).Select(i => (long)i).ToArray();
        long[] perChannel = [1, c.Shape(x)[1], .. Enumerable.Repeat(1L, rank - 2)];
        Normalized(c, n, spatial, [0, .. spatial], n.Inputs[1], n.Inputs[2], perChannel);
    }

    /// <summary>
    /// y = xhat * scale + bias with xhat = (x - mean) * rstd over <paramref name="normAxes"/>; scale and bias are
    /// broadcast to x by <paramref name="scaleShape"/> (null: they already broadcast as stored) and their
    /// gradients sum over <paramref name="paramAxes"/>.
    /// </summary>
    static void Normalized(GradientContext c, Node n, long[] normAxes, long[] paramAxes, string scale, string? bias, long[]? scaleShape)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null) return;
        var b = c.B;
        var x = n.Inputs[0];
        float eps = n.Float("epsilon", 1e-5f);
        var mean = b.ReduceMean(x, normAxes, keepDims: true);
        var centered = b.Sub(x, mean);
        var variance = b.ReduceMean(b.Mul(centered, centered), normAxes, keepDims: true);
        var rstd = b.Op("Reciprocal", b.Sqrt(b.Add(variance, b.Scalar(eps))));
        var xhat = b.Mul(centered, rstd);
        string SumToParam(string t) => b.Reshape(paramAxes.Length > 0 ? b.ReduceSum(t, paramAxes, keepDims: false) : t, c.Shape(scale));

        if (c.Needs(scale)) c.Accumulate(scale, SumToParam(b.Mul(g, xhat)));
        if (bias is not null && c.Needs(bias)) c.Accumulate(bias, SumToParam(g));
        if (c.Needs(x))
        {
            // dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), gh = g * scale
            var gh = b.Mul(g, scaleShape is null ? scale : b.Reshape(scale, scaleShape));
            var m1 = b.ReduceMean(gh, normAxes, keepDims: true);
            var m2 = b.ReduceMean(b.Mul(gh, xhat), normAxes, keepDims: true);
            c.Accumulate(x, b.Mul(rstd, b.Sub(b.Sub(gh, m1), b.Mul(xhat, m2))));
        }
    }

    /// <summary>y = (x - mean) * rstd * scale + bias with fixed (running) statistics: an affine map per channel.</summary>
    static void BatchNormInference(GradientContext c, Node n)
    {
        if (n.Int("training_mode", 0) != 0)
            throw new UnsupportedOpException($"{n.Describe()}: training-mode BatchNormalization must be lowered to batch statistics before differentiation");
        if (c.Needs(n.Inputs[3]) || c.Needs(n.Inputs[4]))
            throw new UnsupportedOpException($"{n.Describe()}: the mean and variance inputs of BatchNormalization are statistics, not trainable values");
        var g = c.Grad(n.Outputs[0]);
        if (g is null) return;
        var b = c.B;
        var (x, scale, bias) = (n.Inputs[0], n.Inputs[1], n.Inputs[2]);
        int rank = c.Rank(x);
        long[] perChannel = [1, c.Shape(x)[1], .. Enumerable.Repeat(1L, rank - 2)];
        long[] paramAxes = [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];
        var rstd = b.Reshape(b.Op("Reciprocal", b.Sqrt(b.Add(n.Inputs[4], b.Scalar(n.Float("epsilon", 1e-5f))))), perChannel);
        string SumToParam(string t) => b.Reshape(b.ReduceSum(t, paramAxes, keepDims: false), c.Shape(scale));
        if (c.Needs(scale)) c.Accumulate(scale, SumToParam(b.Mul(g, b.Mul(b.Sub(x, b.Reshape(n.Inputs[3], perChannel)), rstd))));
        if (c.Needs(bias)) c.Accumulate(bias, SumToParam(g));
        if (c.Needs(x)) c.Accumulate(x, b.Mul(g, b.Mul(rstd, b.Reshape(scale, perChannel))));
    }
}
