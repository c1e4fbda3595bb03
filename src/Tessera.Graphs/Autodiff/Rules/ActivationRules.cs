namespace Tessera.Graphs.Autodiff;

/// <summary>Pointwise activations and the softmax family.</summary>
internal static class ActivationRules
{
    const float InvSqrtPi2 = 1.1283791671f;      // 2/sqrt(pi), d/dx erf(x) = 2/sqrt(pi) e^{-x^2}
    const float InvSqrt2 = 0.70710678f;
    const float InvSqrt2Pi = 0.39894228f;        // 1/sqrt(2 pi), the normal density's constant
    const float SqrtTwoOverPi = 0.79788456f;

    public static void Register(Dictionary<string, GradientRule> r)
    {
        // From the output (y > 0 exactly where x > 0): the producer's output then has the Relu as its only
        // consumer, so ONNX Runtime fuses Conv+Relu and Gemm+Relu.
        r["Relu"] = (c, n) => ElementwiseRules.Unary(c, n,
            g => c.B.Op("Where", c.B.Op("Greater", n.Outputs[0], c.B.Scalar(0f)), g, c.B.Scalar(0f)));
        r["LeakyRelu"] = (c, n) => ElementwiseRules.Unary(c, n,
            g => c.B.Op("Where", c.B.Op("Greater", n.Inputs[0], c.B.Scalar(0f)), g, c.B.Mul(g, c.B.Scalar(n.Float("alpha", 0.01f)))));
        r["Sigmoid"] = (c, n) => ElementwiseRules.Unary(c, n,
            g => c.B.Mul(g, c.B.Mul(n.Outputs[0], c.B.Sub(c.B.Scalar(1f), n.Outputs[0]))));
        r["Tanh"] = (c, n) => ElementwiseRules.Unary(c, n,
            g => c.B.Mul(g, c.B.Sub(c.B.Scalar(1f), c.B.Mul(n.Outputs[0], n.Outputs[0]))));
        r["Softplus"] = (c, n) => ElementwiseRules.Unary(c, n, g => c.B.Mul(g, c.B.Op("Sigmoid", n.Inputs[0])));
        r["Erf"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            var x = n.Inputs[0];
            var density = c.B.Op("Exp", c.B.Neg(c.B.Mul(x, x)));
            return c.B.Mul(g, c.B.Mul(density, c.B.Scalar(InvSqrtPi2)));
        });
        r["HardSigmoid"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            // y = clip(alpha x + beta, 0, 1): slope alpha strictly inside the ramp.
            var alpha = n.Float("alpha", 0.2f);
            var z = c.B.Add(c.B.Mul(n.Inputs[0], c.B.Scalar(alpha)), c.B.Scalar(n.Float("beta", 0.5f)));
            var inside = c.B.Op("And", c.B.Op("Greater", z, c.B.Scalar(0f)), c.B.Op("Less", z, c.B.Scalar(1f)));
            return c.B.Op("Where", inside, c.B.Mul(g, c.B.Scalar(alpha)), c.B.Scalar(0f));
        });
        r["HardSwish"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            // y = x relu6(x + 3) / 6: dy = 0 below -3, x/3 + 1/2 up to 3, 1 above (PyTorch's branches).
            var x = n.Inputs[0];
            var ramp = c.B.Add(c.B.Mul(x, c.B.Scalar(1f / 3f)), c.B.Scalar(0.5f));
            var slope = c.B.Op("Where", c.B.Op("Less", x, c.B.Scalar(-3f)), c.B.Scalar(0f),
                c.B.Op("Where", c.B.Op("LessOrEqual", x, c.B.Scalar(3f)), ramp, c.B.Scalar(1f)));
            return c.B.Mul(g, slope);
        });
        r["Gelu"] = (c, n) => ElementwiseRules.Unary(c, n, g => c.B.Mul(g, GeluDerivative(c, n)));
        r["Softmax"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            // dx = y * (g - sum(g*y, axis))
            var y = n.Outputs[0];
            long axis = n.Int("axis", -1);
            var dot = c.B.ReduceSum(c.B.Mul(g, y), [axis], keepDims: true);
            return c.B.Mul(y, c.B.Sub(g, dot));
        });
        r["LogSoftmax"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            // dx = g - softmax(x) * sum(g, axis)
            long axis = n.Int("axis", -1);
            var total = c.B.ReduceSum(g, [axis], keepDims: true);
            return c.B.Sub(g, c.B.Mul(c.B.Op("Exp", n.Outputs[0]), total));
        });
    }

    static string GeluDerivative(GradientContext c, Node n)
    {
        var b = c.B;
        var x = n.Inputs[0];
        if (n.Str("approximate", "none") == "tanh")
        {
            // y = 0.5 x (1 + t), t = tanh(k (x + 0.044715 x^3)); dy = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3*0.044715 x^2)
            var x2 = b.Mul(x, x);
            var inner = b.Mul(b.Scalar(SqrtTwoOverPi), b.Add(x, b.Mul(b.Scalar(0.044715f), b.Mul(x2, x))));
            var t = b.Op("Tanh", inner);
            var left = b.Mul(b.Scalar(0.5f), b.Add(b.Scalar(1f), t));
            var dInner = b.Mul(b.Scalar(SqrtTwoOverPi), b.Add(b.Scalar(1f), b.Mul(b.Scalar(3 * 0.044715f), x2)));
            var right = b.Mul(b.Mul(b.Scalar(0.5f), x), b.Mul(b.Sub(b.Scalar(1f), b.Mul(t, t)), dInner));
            return b.Add(left, right);
        }
        // y = x Phi(x); dy = Phi(x) + x phi(x)
        var cdf = b.Mul(b.Scalar(0.5f), b.Add(b.Scalar(1f), b.Op("Erf", b.Mul(x, b.Scalar(InvSqrt2)))));
        var pdf = b.Mul(b.Scalar(InvSqrt2Pi), b.Op("Exp", b.Mul(b.Scalar(-0.5f), b.Mul(x, x))));
        return b.Add(cdf, b.Mul(x, pdf));
    }
}
