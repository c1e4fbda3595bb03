namespace Tessera.Graphs.Interop;

/// <summary>
/// Training-mode exports write Dropout(x, ratio, training_mode=true). Tessera decides the mode itself (the training
/// artifact lowers Dropout to a seeded mask, see Training/DropoutLowering; evaluation keeps it the identity), so the
/// exporter's training_mode input is dropped, the ratio is made a Constant node the lowering can read, and a
/// Dropout of ratio 0 becomes an Identity.
/// </summary>
internal static class DropoutImport
{
    public static void Normalize(Graph g)
    {
        var b = new GraphBuilder(g, "dropout");
        foreach (var n in g.Nodes.Where(n => n.OpType == "Dropout").ToList())
        {
            if (n.Inputs.Count > 2) n.Inputs.RemoveRange(2, n.Inputs.Count - 2);
            if (n.Input(1) is not { } ratio) continue;
            var producer = g.Producer(ratio);
            var value = g.Initializers.TryGetValue(ratio, out var init) ? init
                : producer?.OpType == "Constant" && producer.Attributes.GetValueOrDefault("value") is TensorData t ? t : null;
            if (value is null || value.Type != DType.Float || value.ElementCount != 1)
                throw new UnsupportedOpException($"{n.Describe()}: the dropout ratio must be a constant float scalar");
            if (value.ToFloats()[0] == 0f && !MaskUsed(g, n))
            {
                // p = 0 (a common export default): an Identity, so the training artifact spends nothing on masks.
                g.Nodes[g.Nodes.IndexOf(n)] = new Node("Identity", [n.Inputs[0]], [n.Outputs[0]], n.Name);
                continue;
            }
            if (producer?.OpType != "Constant") n.Inputs[1] = b.Scalar(value.ToFloats()[0]);
        }
        g.SortTopologically();
    }

    static bool MaskUsed(Graph g, Node n) =>
        n.Outputs.Count > 1 && n.Outputs[1].Length > 0 && (g.Nodes.Any(c => c.Inputs.Contains(n.Outputs[1])) || g.Outputs.Any(o => o.Name == n.Outputs[1]));
}
