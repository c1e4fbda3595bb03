using Tessera.Graphs.Autodiff;

namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Which ops have rules, and what happens at ops without one.</summary>
public class GradientCoverageTests
{
    /// <summary>Every op with a finite-difference check in this folder. A new rule must add a check and a name here.</summary>
    static readonly string[] Checked =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Neg", "Identity", "Sqrt", "Exp", "Log", "Abs", "Reciprocal",
        "Cast", "Expand", "Where", "Clip",
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Erf", "Gelu", "Softmax", "LogSoftmax", "HardSwish", "HardSigmoid",
        "MatMul", "Gemm",
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "Trilu",
        "ReduceSum", "ReduceMean", "ReduceSumSquare", "ReduceMax", "ReduceMin",
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
        "LayerNormalization", "InstanceNormalization", "BatchNormalization",
    ];

    [Fact]
    public void Every_registered_rule_has_a_finite_difference_check()
    {
        Assert.Equal(Checked.Order(StringComparer.Ordinal), GradientRules.SupportedOps.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Hardmax")]
    [InlineData("Tile")]
    public void An_op_without_a_rule_on_the_gradient_path_is_reported_by_op_and_node(string op)
    {
        var g = new Graph("unsupported");
        var b = new GraphBuilder(g);
        g.Inputs.Add(new ValueInfo("x", DType.Float, [2, 3]));
        var y = op == "Tile" ? b.Op("Tile", "x", b.Ints(2, 1)) : b.Op(op, "x");
        var loss = b.SumAll(b.Mul(b.Op("Relu", y), b.Scalar(2f)));
        var e = Assert.Throws<UnsupportedOpException>(() => Differentiator.Backward(b, ShapeInference.Run(g), loss, ["x"]));
        Assert.Contains($"'{op}'", e.Message);
        Assert.Contains(y, e.Message); // the node is named after its output
    }

    [Fact]
    public void A_path_through_a_non_differentiable_op_gets_no_gradient()
    {
        // x feeds Relu (differentiable) and ArgMax -> Cast -> Hardmax: that branch carries no gradient, so
        // Hardmax's missing rule is never needed and the check sees only the Relu term.
        var c = new GradientCheck("ArgMax branch");
        var x = c.Input("x", [3, 4], GradValues.Distinct([3, 4], 2, 0.1f));
        var relu = c.B.Op("Relu", x);
        var picked = c.B.Op("Hardmax", c.B.Cast(c.B.Op("ArgMax", [x], ("axis", 1L), ("keepdims", 1L)), DType.Float));
        c.Check(relu, picked);
    }
}
