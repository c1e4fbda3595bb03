namespace Tessera.Graphs.Tests.Gradients;

/// <summary>Finite-difference checks of MatMul (every batching layout the rule special-cases) and Gemm.</summary>
public class MatrixGradientTests
{
    static readonly Dictionary<string, Action> Cases = new()
    {
        ["MatMul 2-D"] = () => MatMul([3, 4], [4, 5]),
        ["MatMul batched 3-D x 3-D"] = () => MatMul([2, 3, 4], [2, 4, 5]),
        ["MatMul 3-D x 2-D weight"] = () => MatMul([2, 3, 4], [4, 5]),
        ["MatMul 2-D x 3-D"] = () => MatMul([3, 4], [2, 4, 5]),
        ["MatMul 4-D attention"] = () => MatMul([2, 2, 3, 4], [2, 2, 4, 3]),
        ["MatMul broadcast batch [2,1,3,4] x [3,4,2]"] = () => MatMul([2, 1, 3, 4], [3, 4, 2]),
        ["Gemm no bias"] = () => Gemm(false, false, 1f, 1f, null),
        ["Gemm transA"] = () => Gemm(true, false, 1f, 1f, [5]),
        ["Gemm transB"] = () => Gemm(false, true, 1f, 1f, [5]),
        ["Gemm transA transB"] = () => Gemm(true, true, 1f, 1f, [5]),
        ["Gemm alpha beta, bias [N]"] = () => Gemm(false, false, 0.7f, 1.6f, [5]),
        ["Gemm alpha beta, bias [1,N]"] = () => Gemm(true, true, 1.3f, 0.4f, [1, 5]),
        ["Gemm bias [M,1]"] = () => Gemm(false, true, 1f, 2f, [3, 1]),
        ["Gemm bias [M,N]"] = () => Gemm(true, false, 0.5f, 0.5f, [3, 5]),
        ["Gemm scalar bias"] = () => Gemm(false, false, 1f, 3f, []),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public void Gradient_matches_finite_differences(string name) => Cases[name]();

    static void MatMul(long[] a, long[] b)
    {
        var c = new GradientCheck($"MatMul {Shapes.Format(a)} x {Shapes.Format(b)}");
        c.Check(c.B.MatMul(c.Input("a", a), c.Input("b", b)));
    }

    /// <summary>Y[3,5] = alpha op(A) op(B) + beta C with K = 4.</summary>
    static void Gemm(bool transA, bool transB, float alpha, float beta, long[]? bias)
    {
        var c = new GradientCheck($"Gemm transA={transA} transB={transB} alpha={alpha} beta={beta}");
        var a = c.Input("a", transA ? [4, 3] : [3, 4]);
        var b = c.Input("b", transB ? [5, 4] : [4, 5]);
        string[] inputs = bias is null ? [a, b] : [a, b, c.Input("c", bias)];
        c.Check(c.B.Op("Gemm", inputs, ("transA", transA ? 1L : 0L), ("transB", transB ? 1L : 0L), ("alpha", alpha), ("beta", beta)));
    }
}
