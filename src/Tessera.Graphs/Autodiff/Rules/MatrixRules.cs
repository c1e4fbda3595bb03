namespace Tessera.Graphs.Autodiff;

/// <summary>MatMul (batched, broadcasting) and Gemm (transA/transB, alpha/beta).</summary>
internal static class MatrixRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        r["MatMul"] = MatMul;
        r["Gemm"] = Gemm;
    }

    static void MatMul(GradientContext c, Node n)
    {
        var (a, b) = (n.Inputs[0], n.Inputs[1]);
        var g = c.Grad(n.Outputs[0])!;
        var sa = c.Shape(a); var sb = c.Shape(b);
        if (sa.Length < 2 || sb.Length < 2)
            throw new UnsupportedOpException($"{n.Describe()}: MatMul gradient needs operands of rank 2 or more");
        var sy = c.Shape(n.Outputs[0]);
        if (c.Needs(a))
        {
            var ga = c.B.MatMul(g, SwapLast(c, b));
            c.Accumulate(a, c.Unbroadcast(ga, a, [.. sy[..^2], sa[^2], sa[^1]]));
        }
        if (!c.Needs(b)) return;
        if (sb.Length == 2 && sa.Length > 2)
        {
            // A weight shared across a batch (x[B,T,D] @ W[D,N]): fold the batch into rows, one 2-D MatMul.
            var a2 = c.B.Reshape(a, -1, sa[^1]);
            var g2 = c.B.Reshape(g, -1, sy[^1]);
            c.Accumulate(b, c.B.Op("Gemm", [a2, g2], ("transA", 1L)));
        }
        else
        {
            var gb = c.B.MatMul(SwapLast(c, a), g);
            c.Accumulate(b, c.Unbroadcast(gb, b, [.. sy[..^2], sb[^2], sb[^1]]));
        }
    }

    static string SwapLast(GradientContext c, string x)
    {
        int r = c.Rank(x);
        var perm = Enumerable.Range(0, r).Select(i => (long)i).ToArray();
        (perm[r - 1], perm[r - 2]) = (perm[r - 2], perm[r - 1]);
        return c.B.Transpose(x, perm);
    }

    static void Gemm(GradientContext c, Node n)
    {
        // Y = alpha * op(A) op(B) + beta * C
        var (a, b) = (n.Inputs[0], n.Inputs[1]);
        bool ta = n.Int("transA", 0) != 0, tb = n.Int("transB", 0) != 0;
        float alpha = n.Float("alpha", 1f), beta = n.Float("beta", 1f);
        var g = c.Grad(n.Outputs[0])!;
        string G(string x, string y, bool tx, bool ty) =>
            c.B.Op("Gemm", [x, y], ("transA", tx ? 1L : 0L), ("transB", ty ? 1L : 0L), ("alpha", alpha));
        if (c.Needs(a)) c.Accumulate(a, ta ? G(b, g, tb, true) : G(g, b, false, !tb));
        if (c.Needs(b)) c.Accumulate(b, tb ? G(g, a, true, ta) : G(a, g, !ta, false));
        if (n.Input(2) is { } bias && c.Needs(bias))
        {
            var gc = beta == 1f ? g : c.B.Mul(g, c.B.Scalar(beta));
            c.Accumulate(bias, c.Unbroadcast(gc, bias, c.Shape(n.Outputs[0])));
        }
    }
}
