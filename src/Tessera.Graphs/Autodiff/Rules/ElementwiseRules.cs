namespace Tessera.Graphs.Autodiff;

/// <summary>Arithmetic with numpy broadcasting: each operand's gradient is reduced back to its own shape.</summary>
internal static class ElementwiseRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        r["Add"] = (c, n) => Binary(c, n, g => g, g => g);
        r["Sub"] = (c, n) => Binary(c, n, g => g, g => c.B.Neg(g));
        r["Mul"] = (c, n) => Binary(c, n, g => c.B.Mul(g, n.Inputs[1]), g => c.B.Mul(g, n.Inputs[0]));
        r["Div"] = (c, n) => Binary(c, n,
            g => c.B.Div(g, n.Inputs[1]),
            g => c.B.Neg(c.B.Div(c.B.Mul(g, n.Outputs[0]), n.Inputs[1])));
        r["Pow"] = (c, n) => Binary(c, n,
            g =>
            {
                // ONNX allows an integer exponent; the derivative's arithmetic needs it in the base's type.
                var e = c.Type(n.Inputs[1]) == c.Type(n.Inputs[0]) ? n.Inputs[1] : c.B.Cast(n.Inputs[1], c.Type(n.Inputs[0]));
                return c.B.Mul(g, c.B.Mul(e, c.B.Op("Pow", n.Inputs[0], c.B.Sub(e, c.B.Scalar(1f)))));
            },
            g => c.B.Mul(g, c.B.Mul(n.Outputs[0], c.B.Op("Log", n.Inputs[0]))));
        r["Max"] = (c, n) => Select(c, n, "GreaterOrEqual");
        r["Min"] = (c, n) => Select(c, n, "LessOrEqual");
        r["Sum"] = (c, n) =>
        {
            var g = c.Grad(n.Outputs[0])!;
            foreach (var i in n.Inputs) c.Accumulate(i, c.Unbroadcast(g, i, c.Shape(n.Outputs[0])));
        };
        r["Neg"] = (c, n) => Unary(c, n, g => c.B.Neg(g));
        r["Identity"] = (c, n) => Unary(c, n, g => g);
        r["Sqrt"] = (c, n) => Unary(c, n, g => c.B.Div(c.B.Mul(g, c.B.Scalar(0.5f)), n.Outputs[0]));
        r["Exp"] = (c, n) => Unary(c, n, g => c.B.Mul(g, n.Outputs[0]));
        r["Log"] = (c, n) => Unary(c, n, g => c.B.Div(g, n.Inputs[0]));
        r["Abs"] = (c, n) => Unary(c, n, g => c.B.Mul(g, c.B.Op("Sign", n.Inputs[0])));
        r["Reciprocal"] = (c, n) => Unary(c, n, g => c.B.Neg(c.B.Mul(g, c.B.Mul(n.Outputs[0], n.Outputs[0]))));
        r["Cast"] = (c, n) => Unary(c, n, g => c.B.Cast(g, c.Type(n.Inputs[0])));
        r["Expand"] = (c, n) =>
        {
            var g = c.Grad(n.Outputs[0])!;
            c.Accumulate(n.Inputs[0], c.Unbroadcast(g, n.Inputs[0], c.Shape(n.Outputs[0])));
        };
        r["Where"] = (c, n) =>
        {
            var g = c.Grad(n.Outputs[0])!;
            var zero = c.B.Scalar(0f);
            var outShape = c.Shape(n.Outputs[0]);
            if (c.Needs(n.Inputs[1])) c.Accumulate(n.Inputs[1], c.Unbroadcast(c.B.Op("Where", n.Inputs[0], g, zero), n.Inputs[1], outShape));
            if (c.Needs(n.Inputs[2])) c.Accumulate(n.Inputs[2], c.Unbroadcast(c.B.Op("Where", n.Inputs[0], zero, g), n.Inputs[2], outShape));
        };
        r["Clip"] = (c, n) =>
        {
            var g = c.Grad(n.Outputs[0])!;
            var x = n.Inputs[0];
            string? keep = null;
            if (n.Input(1) is { } lo) keep = c.B.Op("GreaterOrEqual", x, lo);
            if (n.Input(2) is { } hi)
            {
                var le = c.B.Op("LessOrEqual", x, hi);
                keep = keep is null ? le : c.B.Op("And", keep, le);
            }
            c.Accumulate(x, keep is null ? g : c.B.Op("Where", keep, g, c.B.Scalar(0f)));
            // Bounds computed from trainable values get the gradient of the elements they clipped.
            var outShape = c.Shape(n.Outputs[0]);
            if (c.Needs(n.Input(1)))
                c.Accumulate(n.Inputs[1], c.Unbroadcast(c.B.Op("Where", c.B.Op("Less", x, n.Inputs[1]), g, c.B.Scalar(0f)), n.Inputs[1], outShape));
            if (c.Needs(n.Input(2)))
                c.Accumulate(n.Inputs[2], c.Unbroadcast(c.B.Op("Where", c.B.Op("Greater", x, n.Inputs[2]), g, c.B.Scalar(0f)), n.Inputs[2], outShape));
        };
    }

    internal static void Unary(GradientContext c, Node n, Func<string, string> dx)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is not null && c.Needs(n.Inputs[0])) c.Accumulate(n.Inputs[0], dx(g));
    }

    static void Binary(GradientContext c, Node n, Func<string, string> da, Func<string, string> db)
    {
        var g = c.Grad(n.Outputs[0])!;
        var outShape = c.Shape(n.Outputs[0]);
        if (c.Needs(n.Inputs[0])) c.Accumulate(n.Inputs[0], c.Unbroadcast(da(g), n.Inputs[0], outShape));
        if (c.Needs(n.Inputs[1])) c.Accumulate(n.Inputs[1], c.Unbroadcast(db(g), n.Inputs[1], outShape));
    }

    /// <summary>Max/Min: the gradient goes to the operand that was selected (the first one on ties).</summary>
    static void Select(GradientContext c, Node n, string firstWins)
    {
        if (n.Inputs.Count != 2) throw new UnsupportedOpException($"{n.Describe()}: gradient of {n.OpType} supports exactly two inputs");
        var mask = c.B.Op(firstWins, n.Inputs[0], n.Inputs[1]);
        var zero = c.B.Scalar(0f);
        Binary(c, n, g => c.B.Op("Where", mask, g, zero), g => c.B.Op("Where", mask, zero, g));
    }
}
