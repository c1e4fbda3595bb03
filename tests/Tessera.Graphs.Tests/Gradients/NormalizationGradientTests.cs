namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of LayerNormalization's gradient for the input, scale and bias.</summary>
public class NormalizationGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["LayerNormalization axis -1, scale and bias"] = () => LayerNorm(-1, bias: true),
        ["LayerNormalization axis 1 of rank 3, scale and bias"] = () => LayerNorm(1, bias: true),
        ["LayerNormalization axis -1, no bias"] = () => LayerNorm(-1, bias: false),
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
}
