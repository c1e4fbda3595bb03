using static Tessera.Graphs.Tests.Gradients.GradValues;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of the rules in ShapeOpRules (data movement: the gradient moves back).</summary>
public class ShapeOpGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["Reshape"] = () => One("Reshape", [2, 3, 4], (b, x) => b.Reshape(x, 4, -1)),
        ["Flatten axis 2"] = () => One("Flatten", [2, 3, 2, 2], (b, x) => b.Op("Flatten", [x], ("axis", 2L))),
        ["Squeeze"] = () => One("Squeeze", [2, 1, 3, 1], (b, x) => b.Squeeze(x, 1, -1)),
        ["Unsqueeze"] = () => One("Unsqueeze", [2, 3], (b, x) => b.Unsqueeze(x, 0, 3)),
        ["Transpose perm"] = () => One("Transpose", [2, 3, 4], (b, x) => b.Transpose(x, 1, 2, 0)),
        ["Transpose default reverse"] = () => One("Transpose", [2, 3, 4], (b, x) => b.Op("Transpose", x)),
        ["Dropout with ratio (inference)"] = () => One("Dropout", [3, 4], (b, x) => b.Op("Dropout", x, b.Scalar(0.3f))),
        ["Dropout plain"] = () => One("Dropout", [3, 4], (b, x) => b.Op("Dropout", x)),
        ["Concat axis 1"] = () =>
        {
            var c = new GradientCheck("Concat");
            var a = c.Input("a", [2, 2, 3]); var b = c.Input("b", [2, 1, 3]); var d = c.Input("d", [2, 3, 3]);
            c.Check(c.B.Op("Concat", [a, b, d], ("axis", 1L)));
        },
        ["Concat same input twice, axis -1"] = () =>
        {
            var c = new GradientCheck("Concat");
            var a = c.Input("a", [2, 3]);
            c.Check(c.B.Op("Concat", [a, a], ("axis", -1L)));
        },
        ["Split sizes, all outputs used"] = () =>
        {
            var c = new GradientCheck("Split");
            var x = c.Input("x", [2, 6]);
            c.Check(c.B.Ops("Split", [x, c.B.Ints(1, 3, 2)], 3, ("axis", 1L)));
        },
        ["Split, middle output unused"] = () =>
        {
            var c = new GradientCheck("Split");
            var x = c.Input("x", [6, 2]);
            var parts = c.B.Ops("Split", [x, c.B.Ints(2, 2, 2)], 3, ("axis", 0L));
            c.Check(parts[0], parts[2]);
        },
        ["Trilu upper, k 1 (causal mask)"] = () => One("Trilu", [2, 4, 4], (b, x) => b.Op("Trilu", x, b.ScalarInt(1))),
        ["Trilu lower, default k"] = () => One("Trilu", [3, 5], (b, x) => b.Op("Trilu", [x], ("upper", 0L))),
        ["Slice start and end"] = () => One("Slice", [4, 5], (b, x) => b.Op("Slice", x, b.Ints(1, 1), b.Ints(3, 4))),
        ["Slice negative starts, axes"] = () =>
            One("Slice", [3, 4, 5], (b, x) => b.Op("Slice", x, b.Ints(-3, -2), b.Ints(long.MaxValue, -1), b.Ints(2, -2))),
        ["Slice one axis, steps 1"] = () =>
            One("Slice", [3, 6], (b, x) => b.Op("Slice", x, b.Ints(2), b.Ints(5), b.Ints(1), b.Ints(1))),
        ["Slice step 2"] = () =>
            One("Slice", [3, 7], (b, x) => b.Op("Slice", x, b.Ints(1, 0), b.Ints(7, 3), b.Ints(1, 0), b.Ints(2, 1))),
        ["Slice step -1 (reverse)"] = () =>
            One("Slice", [3, 5], (b, x) => b.Op("Slice", x, b.Ints(-1), b.Ints(long.MinValue), b.Ints(1), b.Ints(-1))),
        ["Slice step -2, negative start"] = () =>
            One("Slice", [2, 7], (b, x) => b.Op("Slice", x, b.Ints(-2), b.Ints(0), b.Ints(-1), b.Ints(-2))),
        ["Split equal, no sizes"] = () =>
        {
            var c = new GradientCheck("Split");
            c.Check(c.B.Ops("Split", [c.Input("x", [2, 6])], 2, ("axis", -1L), ("num_outputs", 2L)));
        },
        ["Gather embedding, repeated indices"] = () =>
        {
            var c = new GradientCheck("Gather");
            var table = c.Input("table", [5, 4]);
            var idx = c.B.Const(TensorData.FromLongs([2, 3], [1, 3, 1, 4, 0, 1]));
            c.Check(c.B.Op("Gather", table, idx));
        },
        ["Gather axis 0, scalar index"] = () =>
        {
            var c = new GradientCheck("Gather");
            c.Check(c.B.Op("Gather", c.Input("x", [4, 3]), c.B.ScalarInt(2)));
        },
        ["Gather axis 1, scalar index (x[:, 0])"] = () =>
        {
            var c = new GradientCheck("Gather");
            c.Check(c.B.Op("Gather", [c.Input("x", [2, 3, 4]), c.B.ScalarInt(0)], ("axis", 1L)));
        },
        ["Gather axis -1, negative and repeated indices"] = () =>
        {
            var c = new GradientCheck("Gather");
            var idx = c.B.Const(TensorData.FromLongs([2, 2], [-1, 0, 2, -1]));
            c.Check(c.B.Op("Gather", [c.Input("x", [2, 3, 4]), idx], ("axis", -1L)));
        },
        ["GatherElements axis 1, repeated indices"] = () =>
        {
            var c = new GradientCheck("GatherElements");
            var x = c.Input("x", [3, 4]);
            var idx = c.B.Const(TensorData.FromLongs([3, 5], [0, 3, 3, 1, 0, 2, 2, 2, 1, 0, 3, 0, 1, 1, 2]));
            c.Check(c.B.Op("GatherElements", [x, idx], ("axis", 1L)));
        },
        ["GatherElements axis 0"] = () =>
        {
            var c = new GradientCheck("GatherElements");
            var x = c.Input("x", [3, 4]);
            var idx = c.B.Const(TensorData.FromLongs([2, 4], [2, 0, 1, 2, 2, 1, 1, 0]));
            c.Check(c.B.Op("GatherElements", [x, idx], ("axis", 0L)));
        },
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void One(string label, long[] shape, Func<GraphBuilder, string, string> op)
    {
        var c = new GradientCheck(label);
        var x = c.Input("x", shape, Uniform(shape, 11));
        c.Check(op(c.B, x));
    }
}
