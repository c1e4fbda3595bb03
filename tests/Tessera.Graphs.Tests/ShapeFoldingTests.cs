using Tessera.Graphs.Interop;
using Tessera.Graphs.Tests.PyTorch;
using Tessera.Graphs.Training;

namespace Tessera.Graphs.Tests;

/// <summary>The shape subgraphs exporters write fold to constants at the batch size the graph is inferred at.</summary>
public class ShapeFoldingTests
{
    /// <summary>
    /// PyTorch's `expand(B, 2, -1)` as torch.onnx writes it: the target from Shape → Gather → Unsqueeze → Concat, then
    /// ConstantOfShape(ones) → Mul(-1) → Equal → Where to turn -1 into 1, then Expand; plus Range over a shape entry.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(1)]
    public void Exporter_expand_and_range_chains_fold_at_the_inferred_batch(long batch)
    {
        var g = new Graph("expand");
        var b = new GraphBuilder(g);
        g.Inputs.Add(new ValueInfo("x", DType.Float, [batch, 3]));
        var shape = b.Shape("x");
        var n = b.Unsqueeze(b.Op("Gather", [shape, b.ScalarInt(0)], ("axis", 0L)), 0);
        var size = b.Op("Concat", [n, b.Ints(2), b.Ints(-1)], ("axis", 0L));
        var ones = b.Op("ConstantOfShape", [b.Shape(size)], ("value", TensorData.FromLongs([1], [1])));
        var isMinusOne = b.Op("Equal", size, b.Mul(ones, b.ScalarInt(-1)));
        var target = b.Op("Where", isMinusOne, ones, size);
        var expanded = b.Expand(b.Unsqueeze("x", 1), target);
        var range = b.Op("Range", b.ScalarInt(0), b.Op("Gather", [shape, b.ScalarInt(1)], ("axis", 0L)), b.ScalarInt(1));
        var reshaped = b.Reshape(expanded, b.Op("Concat", [b.Ints(0), b.Ints(-1)], ("axis", 0L)));

        var s = ShapeInference.Run(g);
        Assert.Equal([batch, 2, 1], s.Value(target)!.ToLongs());
        Assert.Equal([batch, 2, 3], s.Shape(expanded));
        Assert.Equal([0L, 1, 2], s.Value(range)!.ToLongs());
        Assert.Equal([batch, 6], s.Shape(reshaped));
    }

    [Fact]
    public void A_dynamic_axis_other_than_the_batch_is_refused_naming_it()
    {
        var m = OnnxModel.FromBytes(TorchReference.Load("lstm_lm").Onnx);
        m.Graph.Inputs[0] = m.Graph.Inputs[0] with { Shape = [-1, -1], DimNames = ["batch", "seq"] };
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(m.ToBytes(), LossKind.SoftmaxCrossEntropy));
        Assert.Contains("dynamic axis 1 ('seq')", e.Message);
    }

    [Fact]
    public void Shape_errors_name_the_node_and_op()
    {
        var g = new Graph("bad");
        g.Inputs.Add(new ValueInfo("x", DType.Float, [2, 3]));
        g.Initializers["w"] = TensorData.FromFloats([4, 4], new float[16]);
        g.Nodes.Add(new Node("MatMul", ["x", "w"], ["y"], "/fc/MatMul"));
        var e = Assert.Throws<ShapeInferenceException>(() => ShapeInference.Run(g));
        Assert.StartsWith("node '/fc/MatMul' (MatMul): shape inference failed: ", e.Message);
    }
}
