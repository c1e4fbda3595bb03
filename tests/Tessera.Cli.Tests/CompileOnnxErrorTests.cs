using Tessera.Graphs;

namespace Tessera.Cli.Tests;

/// <summary>
/// `tessera compile --onnx` on models it cannot train: one line naming the node, its op and why, exit code 2,
/// no stack trace. And a real PyTorch export with BatchNorm compiles.
/// </summary>
public class CompileOnnxErrorTests
{
    [Theory]
    [InlineData("Hardmax", "error: node 'bad' (Hardmax): op 'Hardmax' has no gradient rule")]
    [InlineData("FancyOp", "error: node 'bad' (FancyOp): op 'FancyOp' is not supported by Tessera")]
    public void An_op_Tessera_cannot_train_is_one_line_naming_node_and_op(string op, string expected)
    {
        var g = Linear();
        g.Nodes.Add(new Node(op, ["h"], ["y"], "bad"));
        var r = Compile(g);
        AssertOneLineError(r, expected);
    }

    [Fact]
    public void A_model_whose_output_does_not_depend_on_its_weights_is_one_line()
    {
        var g = Linear();
        g.Nodes.Add(new Node("Floor", ["h"], ["y"], "floor")); // Floor carries no gradient
        AssertOneLineError(Compile(g), "error: m.onnx cannot be compiled: loss");
    }

    [Fact]
    public void BatchNorm_with_computed_statistics_is_one_line_naming_the_node()
    {
        var g = Linear();
        g.Initializers["scale"] = TensorData.FromFloats([4], [1, 1, 1, 1]);
        g.Initializers["bias"] = TensorData.FromFloats([4], new float[4]);
        g.Initializers["var"] = TensorData.FromFloats([4], [1, 1, 1, 1]);
        g.Nodes.Add(new Node("ReduceMean", ["h"], ["mean"], "mean_node") { Attributes = { ["axes"] = new long[] { 0 }, ["keepdims"] = 0L } });
        g.Nodes.Add(new Node("BatchNormalization", ["h", "scale", "bias", "mean", "var"], ["y"], "/bn/BatchNormalization")
            { Attributes = { ["training_mode"] = 1L } });
        AssertOneLineError(Compile(g), "error: node '/bn/BatchNormalization' (BatchNormalization): running statistic 'mean' must be a float initializer");
    }

    [Fact]
    public void A_PyTorch_export_with_BatchNorm_compiles_and_reports_its_buffers()
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        var fixture = Path.Combine(Root(), "tests", "Tessera.Graphs.Tests", "PyTorch", "fixtures", "bn2d.onnx");
        var r = CliRunner.Run(dir, "compile", "--onnx", fixture, "--batch", "4", "--out", "artifacts");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("2 buffers", string.Join(" ", r.StdOut.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries))); // running mean and variance
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "artifacts"), "*.onnx").Length);
    }

    static void AssertOneLineError(CliRunner.Result r, string expectedStart)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{r.StdErr}");
        Assert.StartsWith(expectedStart, lines[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    /// <summary>x [batch, 4] @ w [4, 4] -> h; the test adds the node that makes y.</summary>
    static Graph Linear()
    {
        var g = new Graph("bad");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [-1, 4]));
        g.Outputs.Add(new ValueInfo("y", DType.Float, [-1, 4]));
        g.Initializers["w"] = TensorData.FromFloats([4, 4], Enumerable.Range(0, 16).Select(i => i * 0.1f).ToArray());
        g.Nodes.Add(new Node("MatMul", ["x", "w"], ["h"], "mm"));
        return g;
    }

    static CliRunner.Result Compile(Graph g)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        File.WriteAllBytes(Path.Combine(dir, "m.onnx"), new OnnxModel(g, 17).ToBytes());
        return CliRunner.Run(dir, "compile", "--onnx", "m.onnx", "--loss", "MeanSquaredError", "--batch", "2", "--out", "artifacts");
    }

    static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root (Tessera.slnx) not found above the test binaries");
    }
}
