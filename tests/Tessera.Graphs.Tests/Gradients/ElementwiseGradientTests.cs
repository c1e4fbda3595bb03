using static Tessera.Graphs.Tests.Gradients.GradValues;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the rules in ElementwiseRules, broadcasting included.</summary>
public class ElementwiseGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["Add [3,4]+[4]"] = () => Binary("Add", [3, 4], [4]),
        ["Add [2,1,4]+[3,1]"] = () => Binary("Add", [2, 1, 4], [3, 1]),
        ["Sub [3,4]-[4]"] = () => Binary("Sub", [3, 4], [4]),
        ["Sub [3,1]-[2,1,4]"] = () => Binary("Sub", [3, 1], [2, 1, 4]),
        ["Mul [3,4]*[4]"] = () => Binary("Mul", [3, 4], [4]),
        ["Mul [2,1,4]*[3,1]"] = () => Binary("Mul", [2, 1, 4], [3, 1]),
        ["Mul scalar"] = () => Binary("Mul", [3, 4], []),
        ["Div [3,4]/[4]"] = () => Binary("Div", [3, 4], [4], bValues: Positive([4], 2)),
        ["Div [2,1,4]/[3,1]"] = () => Binary("Div", [2, 1, 4], [3, 1], bValues: Positive([3, 1], 2)),
        ["Pow [3,4]^[4]"] = () => Binary("Pow", [3, 4], [4], Positive([3, 4], 1), Uniform([4], 2, -1.5f, 1.5f)),
        ["Pow [2,1,4]^[3,1]"] = () => Binary("Pow", [2, 1, 4], [3, 1], Positive([2, 1, 4], 1), Uniform([3, 1], 2, -1.5f, 1.5f)),
        ["Pow constant float exponent, negative base"] = () =>
        {
            var c = new GradientCheck("Pow");
            c.Check(c.B.Op("Pow", c.Input("x", [3, 4]), c.B.Scalar(3f)));
        },
        ["Pow int64 exponent"] = () =>
        {
            var c = new GradientCheck("Pow");
            c.Check(c.B.Op("Pow", c.Input("x", [3, 4]), c.B.Ints(2, 3, 1, 2)));
        },
        ["Mul x*x (two contributions to one input)"] = () =>
        {
            var c = new GradientCheck("Mul");
            var x = c.Input("x", [3, 4]);
            c.Check(c.B.Mul(x, x));
        },
        ["Max [3,4],[4]"] = () => MaxMin("Max"),
        ["Min [3,4],[4]"] = () => MaxMin("Min"),
        ["Sum of three, broadcast"] = () =>
        {
            var c = new GradientCheck("Sum");
            var a = c.Input("a", [2, 3, 4]); var b = c.Input("b", [3, 1]); var d = c.Input("d", [4]);
            c.Check(c.B.Op("Sum", a, b, d));
        },
        ["Sum of one"] = () => Unary("Sum", [2, 3]),
        ["Neg"] = () => Unary("Neg", [3, 4]),
        ["Identity"] = () => Unary("Identity", [3, 4]),
        ["Sqrt"] = () => Unary("Sqrt", [3, 4], Positive([3, 4])),
        ["Exp"] = () => Unary("Exp", [3, 4]),
        ["Log"] = () => Unary("Log", [3, 4], Positive([3, 4])),
        ["Abs"] = () => Unary("Abs", [3, 4], AwayFromZero([3, 4])),
        ["Reciprocal"] = () => Unary("Reciprocal", [3, 4], AwayFromZero([3, 4]).Select(v => v + MathF.Sign(v) * 0.5f).ToArray()),
        ["Cast float to float"] = () =>
        {
            var c = new GradientCheck("Cast");
            var x = c.Input("x", [3, 4]);
            c.Check(c.B.Cast(x, DType.Float));
        },
        ["Expand [3,1] to [2,3,4]"] = () =>
        {
            var c = new GradientCheck("Expand");
            var x = c.Input("x", [3, 1]);
            c.Check(c.B.Expand(x, c.B.Ints(2, 3, 4)));
        },
        ["Where, both branches broadcast"] = () =>
        {
            var c = new GradientCheck("Where");
            var x = c.Input("x", [3, 4]); var y = c.Input("y", [4]);
            var cond = c.B.Const(TensorData.FromBools([3, 4], Uniform([3, 4], 9).Select(v => v > 0).ToArray()));
            c.Check(c.B.Op("Where", cond, x, y));
        },
        ["Clip min and max"] = () =>
        {
            var c = new GradientCheck("Clip");
            var x = c.Input("x", [4, 5], Distinct([4, 5], 3, 0.07f));
            c.Check(c.B.Op("Clip", x, c.B.Scalar(-0.42f), c.B.Scalar(0.35f)));
        },
        ["Clip with trainable bounds"] = () =>
        {
            var c = new GradientCheck("Clip");
            var x = c.Input("x", [4, 5], Distinct([4, 5], 5, 0.07f));
            c.Check(c.B.Op("Clip", x, c.Input("lo", [], [-0.42f]), c.Input("hi", [], [0.35f])));
        },
        ["Clip max only"] = () =>
        {
            var c = new GradientCheck("Clip");
            var x = c.Input("x", [4, 5], Distinct([4, 5], 4, 0.07f));
            c.Check(c.B.Op("Clip", x, "", c.B.Scalar(0.35f)));
        },
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    internal static void Unary(string op, long[] shape, float[]? values = null)
    {
        var c = new GradientCheck(op);
        var x = c.Input("x", shape, values);
        c.Check(c.B.Op(op, x));
    }

    static void Binary(string op, long[] aShape, long[] bShape, float[]? aValues = null, float[]? bValues = null)
    {
        var c = new GradientCheck($"{op} {Shapes.Format(aShape)} {Shapes.Format(bShape)}");
        var a = c.Input("a", aShape, aValues); var b = c.Input("b", bShape, bValues);
        c.Check(c.B.Op(op, a, b));
    }

    /// <summary>The second operand is the first's broadcast row moved by at least 0.2, so no element ties.</summary>
    static void MaxMin(string op)
    {
        var c = new GradientCheck(op);
        var a = Uniform([3, 4], 5);
        var gap = AwayFromZero([3, 4], 6);
        // b is [4]; build a so that a[i,j] - b[j] = gap[i,j].
        var b = Uniform([4], 7);
        for (int i = 0; i < 12; i++) a[i] = b[i % 4] + gap[i];
        c.Check(c.B.Op(op, c.Input("a", [3, 4], a), c.Input("b", [4], b)));
    }
}
