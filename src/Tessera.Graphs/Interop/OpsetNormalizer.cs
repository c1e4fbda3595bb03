namespace Tessera.Graphs.Interop;

/// <summary>
/// Rewrites nodes written against older opsets (13–19, as PyTorch exports) into the opset-20 forms Tessera
/// emits: axes/split attributes that later opsets moved to inputs become constant inputs.
/// </summary>
public static class OpsetNormalizer
{
    public const long MinimumOpset = 13;

    static readonly HashSet<string> ReduceWithAxesInputSince18 =
        ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"];

    public static void Normalize(OnnxModel model)
    {
        if (model.Opset < MinimumOpset)
            throw new OnnxFormatException($"model uses opset {model.Opset}; Tessera imports opset {MinimumOpset} or newer (re-export with opset_version=17)");
        if (model.Opset > OnnxModel.TesseraOpset)
            throw new OnnxFormatException($"model uses opset {model.Opset}; Tessera supports up to opset {OnnxModel.TesseraOpset}");
        Normalize(model.Graph, model.Opset);
        model.Opset = OnnxModel.TesseraOpset;
    }

    static void Normalize(Graph g, long opset)
    {
        var b = new GraphBuilder(g, "import");
        foreach (var n in g.Nodes.ToList())
        {
            foreach (var sub in n.Attributes.Values.OfType<Graph>()) Normalize(sub, opset);
            if (opset < 18 && ReduceWithAxesInputSince18.Contains(n.OpType) && n.Ints("axes") is { } axes)
                MoveToInput(b, n, "axes", axes, 1);
        }
        g.SortTopologically();
    }

    static void MoveToInput(GraphBuilder b, Node n, string attribute, long[] values, int index)
    {
        n.Attributes.Remove(attribute);
        while (n.Inputs.Count < index) n.Inputs.Add("");
        n.Inputs.Insert(index, b.Ints(values));
    }
}
