namespace Tessera.Graphs.Training;

/// <summary>
/// Rewrites training-mode BatchNormalization (running mean and variance are buffers) into batch statistics
/// built from primitive ops, as PyTorch's train mode computes them, and emits the updated running statistics.
/// ONNX Runtime's inference builds have no training-mode BatchNormalization kernel, and the primitive form
/// differentiates with the existing rules. The update follows PyTorch: running = (1 - m) running + m batch,
/// with the unbiased batch variance for running_var (ONNX's momentum attribute is PyTorch's 1 - m).
/// </summary>
internal static class BatchNormLowering
{
    /// <param name="buffers">Values holding running statistics in this graph.</param>
    /// <returns>For each running-statistic value, the value holding it after this step.</returns>
    public static Dictionary<string, string> Lower(GraphBuilder b, ShapeInference shapes, IReadOnlySet<string> buffers)
    {
        var updated = new Dictionary<string, string>();
        var nodes = b.Graph.Nodes;
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.OpType != "BatchNormalization" || !buffers.Contains(n.Inputs[3])) continue;
            var (x, scale, bias, runMean, runVar) = (n.Inputs[0], n.Inputs[1], n.Inputs[2], n.Inputs[3], n.Inputs[4]);
            if (updated.ContainsKey(runMean) || updated.ContainsKey(runVar))
                throw new UnsupportedOpException($"{n.Describe()}: running statistics '{runMean}' are shared with another BatchNormalization");
            var sx = shapes.Shape(x);
            int rank = sx.Length;
            long[] axes = [0, .. Enumerable.Range(2, rank - 2).Select(a => (long)a)];
            long[] perChannel = [1, sx[1], .. Enumerable.Repeat(1L, rank - 2)];
            long count = Shapes.Numel(sx) / sx[1];
            if (count < 2) throw new UnsupportedOpException($"{n.Describe()}: training-mode BatchNormalization needs more than one value per channel (batch {sx[0]})");
            float eps = n.Float("epsilon", 1e-5f), keep = n.Float("momentum", 0.9f);

            var mean = b.ReduceMean(x, axes, keepDims: true);
            var centered = b.Sub(x, mean);
            var variance = b.ReduceMean(b.Mul(centered, centered), axes, keepDims: true);
            var xhat = b.Div(centered, b.Sqrt(b.Add(variance, b.Scalar(eps))));
            b.AddNode("Add", [b.Mul(xhat, b.Reshape(scale, perChannel)), b.Reshape(bias, perChannel)], [n.Outputs[0]]);

            var batchMean = b.Reshape(mean, sx[1]);
            var unbiased = b.Mul(b.Reshape(variance, sx[1]), b.Scalar((float)count / (count - 1)));
            updated[runMean] = b.Add(b.Mul(runMean, b.Scalar(keep)), b.Mul(batchMean, b.Scalar(1 - keep)));
            updated[runVar] = b.Add(b.Mul(runVar, b.Scalar(keep)), b.Mul(unbiased, b.Scalar(1 - keep)));
            nodes.RemoveAt(i--);
        }
        return updated;
    }
}
