namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the normalization rules' gradients for the input, scale and bias.</summary>
public class NormalizationGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["LayerNormalization axis -1, scale and bias"] = () => LayerNorm(-1, bias: true),
        ["LayerNormalization axis 1 of rank 3, scale and bias"] = () => LayerNorm(1, bias: true),
        ["LayerNormalization axis -1, no bias"] = () => LayerNorm(-1, bias: false),
        ["InstanceNormalization 2-D"] = () => InstanceNorm([2, 3, 3, 4]),
        ["InstanceNormalization 1-D"] = () => InstanceNorm([2, 2, 5]),
        ["BatchNormalization inference mode 2-D"] = () => BatchNormInference([2, 3, 2, 3]),
        ["BatchNormalization inference mode on [N, C]"] = () => BatchNormInference([4, 3]),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void LayerNorm(long axis, bool bias)
    {
        long[] x = [2, 3, 4];
        var normalized = x[(int)(axis < 0 ? axis + x.Length : axis)..];
        var c = new GradientCheck($"LayerNormalization axis {axis}");
        var xi = c.Input("x", x, GradValues.Uniform(x, 21, -2, 2));
        var scale = c.Input("scale", normalized, GradValues.Uniform(normalized, 22, 0.5f, 1.5f));
        string[] inputs = bias ? [xi, scale, c.Input("bias", normalized)] : [xi, scale];
        c.Check(c.B.Op("LayerNormalization", inputs, ("axis", axis), ("epsilon", 1e-5f)));
    }

    static void InstanceNorm(long[] x)
    {
        long[] channel = [x[1]];
        var c = new GradientCheck("InstanceNormalization");
        var xi = c.Input("x", x, GradValues.Uniform(x, 31, -2, 2));
        var scale = c.Input("scale", channel, GradValues.Uniform(channel, 32, 0.5f, 1.5f));
        c.Check(c.B.Op("InstanceNormalization", [xi, scale, c.Input("bias", channel)], ("epsilon", 1e-5f)));
    }

    /// <summary>Fixed statistics are constants (they are never trainable); x, scale and bias are checked.</summary>
    static void BatchNormInference(long[] x)
    {
        long[] channel = [x[1]];
        var c = new GradientCheck("BatchNormalization");
        var xi = c.Input("x", x, GradValues.Uniform(x, 41, -2, 2));
        var scale = c.Input("scale", channel, GradValues.Uniform(channel, 42, 0.5f, 1.5f));
        var bias = c.Input("bias", channel);
        var mean = c.B.Const(TensorData.FromFloats(channel, GradValues.Uniform(channel, 43, -0.5f, 0.5f)));
        var variance = c.B.Const(TensorData.FromFloats(channel, GradValues.Uniform(channel, 44, 0.5f, 2f)));
        c.Check(c.B.Op("BatchNormalization", [xi, scale, bias, mean, variance], ("epsilon", 1e-5f)));
    }
}
