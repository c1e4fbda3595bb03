using Tessera.Graphs;

namespace Tessera.Cli.Tests;

/// <summary>`tessera compile --onnx` on models it can and cannot handle: a model it cannot handle gets one error line and exit code 2, never a stack trace.</summary>
public class CompileOnnxTests
{
    static string Fixture(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Tessera.slnx")))
                return Path.Combine(d.FullName, "tests", "Tessera.Graphs.Tests", "PyTorch", "fixtures", name + ".onnx");
        throw new DirectoryNotFoundException("repository root not found");
    }

    static string Workspace(string file, byte[] onnx)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-cli-").FullName;
        File.WriteAllBytes(Path.Combine(dir, file), onnx);
        return dir;
    }

    /// <summary>An LSTM with cell clipping, which the importer does not unroll.</summary>
    static byte[] ClippedLstm()
    {
        var g = new Graph("clipped");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [-1, 4, 3], ["batch", null, null]));
        g.Initializers["W"] = TensorData.FromFloats([1, 8, 3], new float[24]);
        g.Initializers["R"] = TensorData.FromFloats([1, 8, 2], new float[16]);
        g.Nodes.Add(new Node("Transpose", ["x"], ["xt"], "/l/Transpose").With("perm", new long[] { 1, 0, 2 }));
        g.Nodes.Add(new Node("LSTM", ["xt", "W", "R"], ["y", "h"], "/l/LSTM").With("hidden_size", 2).With("clip", 1f));
        g.Nodes.Add(new Node("Squeeze", ["h"], ["logits"], "/l/Squeeze"));
        g.Outputs.Add(new ValueInfo("logits", DType.Float, [-1, 2]));
        return new OnnxModel(g, 17).ToBytes();
    }

    /// <summary>A Reshape whose constant target cannot hold the input: shape inference fails at that node.</summary>
    static byte[] BrokenReshape()
    {
        var g = new Graph("broken");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [-1, 6], ["batch", null]));
        g.Initializers["w"] = TensorData.FromFloats([6, 6], new float[36]);
        g.Initializers["shape"] = TensorData.Vector(-1, 4);
        g.Nodes.Add(new Node("MatMul", ["x", "w"], ["h"], "/fc/MatMul"));
        g.Nodes.Add(new Node("Reshape", ["h", "shape"], ["r"], "/view/Reshape"));
        g.Nodes.Add(new Node("MatMul", ["r", "w"], ["logits"], "/out/MatMul"));
        g.Outputs.Add(new ValueInfo("logits", DType.Float, [-1, 6]));
        return new OnnxModel(g, 17).ToBytes();
    }

    public static readonly TheoryData<string, string> Refused = new()
    {
        { "clipped", "node '/l/LSTM' (LSTM): cell clipping" },
        { "broken", "node '/out/MatMul' (MatMul): shape inference failed" },
        { "garbage", "not an ONNX model" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_model_it_cannot_handle_gets_one_line_and_exit_code_2(string model, string expected)
    {
        var bytes = model switch { "clipped" => ClippedLstm(), "broken" => BrokenReshape(), _ => [8, 1, 2, 3, 250, 7] };
        var r = CliRunner.Run(Workspace("m.onnx", bytes), "compile", "--onnx", "m.onnx", "--batch", "4");
        Assert.Equal(2, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.StdErr);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", r.StdErr + r.StdOut);
    }

    [Fact]
    public void A_PyTorch_LSTM_export_with_a_dynamic_batch_compiles_at_any_batch()
    {
        var r = CliRunner.Run(Workspace("lstm_lm.onnx", File.ReadAllBytes(Fixture("lstm_lm"))), "compile", "--onnx", "lstm_lm.onnx", "--batch", "7", "--out", "a");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("lstm_lm", r.StdOut);
    }

    [Fact]
    public void A_fixed_batch_export_at_another_batch_is_one_line_naming_the_fix()
    {
        var r = CliRunner.Run(Workspace("lstm2.onnx", File.ReadAllBytes(Fixture("lstm2_lm_seqfirst"))), "compile", "--onnx", "lstm2.onnx", "--batch", "4");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("fixed batch size of 3", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr + r.StdOut);
    }
}
