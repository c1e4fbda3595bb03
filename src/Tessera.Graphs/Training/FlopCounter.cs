namespace Tessera.Graphs.Training;

/// <summary>
/// Counts floating-point operations of one run of a graph from its static shapes: 2 per multiply-add for
/// MatMul/Gemm/Conv, one per element for pointwise math, none for pure data movement.
/// </summary>
public static class FlopCounter
{
    static readonly HashSet<string> Free =
    [
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements",
        "Shape", "Size", "Constant", "ConstantOfShape", "Identity", "Cast", "Expand", "Pad", "Range", "Tile", "Loop",
    ];

    public static long Count(Graph g, ShapeInference? outer = null)
    {
        var s = ShapeInference.Run(g, outer);
        long total = 0;
        foreach (var n in g.Nodes) total += Count(n, s);
        return total;
    }

    static long Count(Node n, ShapeInference s)
    {
        if (Free.Contains(n.OpType)) return 0;
        long Out() => Numel(s.Shape(n.Outputs[0]));
        long In(int i) => Numel(s.Shape(n.Inputs[i]));
        switch (n.OpType)
        {
            case "MatMul": return 2 * Out() * s.Shape(n.Inputs[0])[^1];
            case "Gemm":
            {
                var a = s.Shape(n.Inputs[0]);
                long k = n.Int("transA", 0) != 0 ? a[0] : a[1];
                return 2 * Out() * k + (n.Input(2) is not null ? Out() : 0);
            }
            case "Conv":
            {
                var w = s.Shape(n.Inputs[1]);
                return 2 * Out() * Numel(w[1..]) + (n.Input(2) is not null ? Out() : 0);
            }
            case "ConvTranspose":
            {
                var w = s.Shape(n.Inputs[1]);
                return 2 * In(0) * Numel(w[1..]);
            }
            case "MaxPool" or "AveragePool": return Out() * Numel(n.Ints("kernel_shape")!);
            case "Softmax" or "LogSoftmax": return 3 * Out();
            case "LayerNormalization": return 8 * Out();
            case "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceSumSquare" or "ArgMax" or "GlobalAveragePool":
                return In(0);
            case "ScatterElements": return Numel(s.Shape(n.Inputs[2]));
            default: return n.Outputs.Count > 0 && s.Knows(n.Outputs[0]) ? Out() : 0;
        }
    }

    static long Numel(long[] shape) => shape.Any(d => d < 0) ? 0 : Shapes.Numel(shape);
}
