using static Tessera.Graphs.Tests.Gradients.GradValues;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the rules in ActivationRules.</summary>
public class ActivationGradientTests
{
    static readonly long[] S = [3, 5];

    static readonly Dictionary<string, Action> Cases = new()
    {
        ["Relu"] = () => ElementwiseGradientTests.Unary("Relu", S, AwayFromZero(S)),
        ["LeakyRelu alpha 0.2"] = () => Attr("LeakyRelu", AwayFromZero(S), ("alpha", 0.2f)),
        ["LeakyRelu default alpha"] = () => Attr("LeakyRelu", AwayFromZero(S)),
        ["Sigmoid"] = () => ElementwiseGradientTests.Unary("Sigmoid", S, Uniform(S, 1, -3, 3)),
        ["Tanh"] = () => ElementwiseGradientTests.Unary("Tanh", S, Uniform(S, 1, -2, 2)),
        ["Softplus"] = () => ElementwiseGradientTests.Unary("Softplus", S, Uniform(S, 1, -3, 3)),
        ["Erf"] = () => ElementwiseGradientTests.Unary("Erf", S, Uniform(S, 1, -2, 2)),
        ["Gelu exact"] = () => Attr("Gelu", Uniform(S, 1, -3, 3)),
        ["Gelu approximate none"] = () => Attr("Gelu", Uniform(S, 2, -3, 3), ("approximate", "none")),
        ["Gelu approximate tanh"] = () => Attr("Gelu", Uniform(S, 3, -3, 3), ("approximate", "tanh")),
        // Values on all three branches, each at least 0.2 from the kinks at x = ±3 (HardSigmoid alpha 1/6: ±3 too).
        ["HardSwish"] = () => ElementwiseGradientTests.Unary("HardSwish", S, Branches(1)),
        ["HardSigmoid alpha 1/6 (PyTorch)"] = () => Attr("HardSigmoid", Branches(2), ("alpha", 1f / 6f), ("beta", 0.5f)),
        ["HardSigmoid default alpha 0.2"] = () => Attr("HardSigmoid", Uniform(S, 3, -2.3f, 2.3f)),
        ["Softmax axis -1"] = () => Softmax("Softmax", [3, 5], -1),
        ["Softmax axis 1 of rank 3"] = () => Softmax("Softmax", [2, 3, 4], 1),
        ["LogSoftmax axis -1"] = () => Softmax("LogSoftmax", [3, 5], -1),
        ["LogSoftmax axis 1 of rank 3"] = () => Softmax("LogSoftmax", [2, 3, 4], 1),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void Attr(string op, float[] values, params (string, object)[] attributes)
    {
        var c = new GradientCheck(op);
        var x = c.Input("x", S, values);
        c.Check(c.B.Op(op, [x], attributes));
    }

    /// <summary>Fifteen values: five below -3.2, five in [-2.8, 2.8], five above 3.2.</summary>
    static float[] Branches(ulong seed)
    {
        var middle = Uniform([5], seed, -2.8f, 2.8f);
        var outer = Uniform([5], seed + 1, 3.2f, 5f);
        return [.. outer.Select(v => -v), .. middle, .. outer];
    }

    static void Softmax(string op, long[] shape, long axis)
    {
        var c = new GradientCheck($"{op} axis {axis}");
        var x = c.Input("x", shape, Uniform(shape, 4, -2, 2));
        c.Check(c.B.Op(op, [x], ("axis", axis)));
    }
}
