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

    static void Softmax(string op, long[] shape, long axis)
    {
        var c = new GradientCheck($"{op} axis {axis}");
        var x = c.Input("x", shape, Uniform(shape, 4, -2, 2));
        c.Check(c.B.Op(op, [x], ("axis", axis)));
    }
}
