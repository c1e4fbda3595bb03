using static Tessera.Graphs.Tests.Gradients.GradValues;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the rules in ReductionRules (opset 18+: axes are an input).</summary>
public class ReductionGradientTests
{
    static readonly long[] S = [2, 3, 4];

    static readonly Dictionary<string, Action> Cases = new()
    {
        ["ReduceSum axis 1 keepdims 1"] = () => Reduce("ReduceSum", [1], true),
        ["ReduceSum axes 0,2 keepdims 0"] = () => Reduce("ReduceSum", [0, 2], false),
        ["ReduceSum negative axis keepdims 0"] = () => Reduce("ReduceSum", [-1], false),
        ["ReduceSum all axes (no axes input)"] = () => Reduce("ReduceSum", null, false),
        ["ReduceMean axis 2 keepdims 1"] = () => Reduce("ReduceMean", [2], true),
        ["ReduceMean axes 0,1 keepdims 0"] = () => Reduce("ReduceMean", [0, 1], false),
        ["ReduceMean all axes keepdims 1"] = () => Reduce("ReduceMean", null, true),
        ["ReduceSumSquare axis 1 keepdims 0"] = () => Reduce("ReduceSumSquare", [1], false),
        ["ReduceSumSquare axes 1,2 keepdims 1"] = () => Reduce("ReduceSumSquare", [1, 2], true),
        ["ReduceMax axis -1 keepdims 1"] = () => Reduce("ReduceMax", [-1], true, Distinct(S, 5)),
        ["ReduceMax axes 0,2 keepdims 0"] = () => Reduce("ReduceMax", [0, 2], false, Distinct(S, 6)),
        ["ReduceMin axis 1 keepdims 0"] = () => Reduce("ReduceMin", [1], false, Distinct(S, 7)),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void Reduce(string op, long[]? axes, bool keepDims, float[]? values = null)
    {
        var c = new GradientCheck($"{op} axes {(axes is null ? "all" : string.Join(",", axes))} keepdims {keepDims}");
        var x = c.Input("x", S, values);
        string[] inputs = axes is null ? [x] : [x, c.B.Ints(axes)];
        c.Check(c.B.Op(op, inputs, ("keepdims", keepDims ? 1L : 0L)));
    }
}
