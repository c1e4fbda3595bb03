namespace Tessera.Graphs.Interop;

/// <summary>
/// Brings an imported model's BatchNormalization nodes into the form Tessera stores: inference mode (running
/// statistics in, one output), which evaluation and inference export run as is. The running mean and variance
/// of nodes exported with training_mode=1 become buffers, which the training artifact updates from batch
/// statistics (<see cref="Training.BatchNormLowering"/>); those of an eval-mode export stay fixed constants.
/// </summary>
internal static class BatchNormImport
{
    /// <returns>The buffers (running statistics of training-mode nodes) and every statistic input, buffer or fixed.</returns>
    public static (List<string> Buffers, HashSet<string> Statistics) Normalize(Graph g)
    {
        var buffers = new List<string>();
        var statistics = new HashSet<string>();
        var consumed = g.Nodes.SelectMany(n => n.Inputs).Concat(g.Outputs.Select(o => o.Name)).ToHashSet();
        foreach (var n in g.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            if (n.Inputs.Count != 5) throw new OnnxFormatException($"{n.Describe()}: BatchNormalization needs 5 inputs, has {n.Inputs.Count}");
            var stats = n.Inputs.Skip(3).ToArray();
            foreach (var st in stats)
                if (!g.Initializers.TryGetValue(st, out var t) || t.Type != DType.Float)
                    throw new UnsupportedOpException($"{n.Describe()}: running statistic '{st}' must be a float initializer");
            statistics.UnionWith(stats);
            bool training = n.Int("training_mode", 0) != 0;
            if (!training) continue;
            if (stats.Any(buffers.Contains))
                throw new UnsupportedOpException($"{n.Describe()}: running statistics are shared with another BatchNormalization");
            foreach (var extra in n.Outputs.Skip(1).Where(o => o.Length > 0 && consumed.Contains(o)))
                throw new UnsupportedOpException($"{n.Describe()}: output '{extra}' (a running statistic) is used by the graph; Tessera updates running statistics itself");
            buffers.AddRange(stats);
            n.Attributes.Remove("training_mode");
            n.Outputs.RemoveRange(1, n.Outputs.Count - 1);
        }
        return (buffers, statistics);
    }
}
