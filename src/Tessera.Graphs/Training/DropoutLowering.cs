namespace Tessera.Graphs.Training;

/// <summary>
/// Replaces Dropout nodes in a training graph with a mask computed from a seed input by integer hashing,
/// so the same seed gives the same mask on every runtime (ORT's own Dropout RNG differs between builds).
/// </summary>
internal static class DropoutLowering
{
    const long Modulus = 1L << 31;

    public static bool HasDropout(Graph g) => g.Nodes.Any(n => n.OpType == "Dropout");

    /// <param name="seed">int64 scalar: the call's seed mixed with the step number.</param>
    public static void Lower(GraphBuilder b, ShapeInference shapes, string seed)
    {
        var nodes = b.Graph.Nodes;
        int k = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.OpType != "Dropout") continue;
            float ratio = n.Input(1) is { } r && b.Graph.Nodes.FirstOrDefault(c => c.Outputs.Contains(r))?.Attributes.GetValueOrDefault("value") is TensorData t
                ? t.ToFloats()[0] : 0.5f;
            var x = n.Inputs[0];
            var shape = shapes.Shape(x);
            long numel = Shapes.Numel(shape);

            // Build the replacement at the end and remove the Dropout; the caller sorts the graph afterwards.
            var key = b.Op("Mod", b.Add(seed, b.ScalarInt(7919 * ++k)), b.ScalarInt(Modulus));
            var h = b.Op("Mod", b.Add(b.Op("Range", b.ScalarInt(0), b.ScalarInt(numel), b.ScalarInt(1)), b.Mul(key, b.ScalarInt(69069))), b.ScalarInt(Modulus));
            for (int round = 0; round < 3; round++)
                h = b.Op("Mod", b.Add(b.Add(b.Mul(h, b.ScalarInt(1103515245)), b.Div(h, b.ScalarInt(32768))), b.ScalarInt(12345)), b.ScalarInt(Modulus));
            var u = b.Div(b.Cast(h, DType.Float), b.Scalar(Modulus));
            var keep = b.Cast(b.Op("GreaterOrEqual", u, b.Scalar(ratio)), DType.Float);
            var scaled = b.Mul(b.Reshape(keep, shape), b.Scalar(1f / (1f - ratio)));
            b.AddNode("Mul", [x, scaled], [n.Outputs[0]]);
            nodes.RemoveAt(i--);
        }
    }
}
