namespace Tessera.Graphs.Autodiff;

/// <summary>
/// Op-level reverse-mode automatic differentiation over an ONNX graph. Appends backward nodes built only
/// from standard ONNX ops (ORT's inference builds have no training ops) and returns the name of each
/// requested gradient.
/// </summary>
public static class Differentiator
{
    /// <param name="builder">Builder over the graph holding the forward nodes; backward nodes are appended.</param>
    /// <param name="shapes">Shapes of the forward values.</param>
    /// <param name="loss">A scalar float value.</param>
    /// <param name="wrt">Values (usually parameters) to differentiate with respect to.</param>
    /// <param name="lossGradient">Seed gradient of the loss; defaults to 1.</param>
    public static Dictionary<string, string> Backward(GraphBuilder builder, ShapeInference shapes, string loss,
        IReadOnlyList<string> wrt, string? lossGradient = null)
    {
        var forward = builder.Graph.Nodes.ToList();
        var requires = RequiresGrad(forward, shapes, wrt);
        var needed = ReachesLoss(forward, loss);
        if (!requires.Contains(loss)) throw new InvalidOperationException($"loss '{loss}' does not depend on any trainable value");

        var ctx = new GradientContext(builder, shapes, requires);
        ctx.Accumulate(loss, lossGradient ?? builder.Scalar(1f));
        for (int i = forward.Count - 1; i >= 0; i--)
        {
            var node = forward[i];
            if (!node.Outputs.Any(o => requires.Contains(o) && needed.Contains(o))) continue;
            if (!node.Outputs.Any(o => ctx.Grad(o) is not null)) continue;
            var rule = GradientRules.For(node.OpType)
                ?? throw new UnsupportedOpException($"{node.Describe()}: op '{node.OpType}' has no gradient rule in Tessera");
            try { rule(ctx, node); }
            catch (Exception e) when (e is not UnsupportedOpException)
            {
                // A rule that cannot handle a node's attributes or shapes still names the node, not a stack.
                throw new UnsupportedOpException($"{node.Describe()}: gradient rule failed: {e.Message}");
            }
        }

        var grads = new Dictionary<string, string>();
        foreach (var w in wrt)
            grads[w] = ctx.Grad(w) ?? ctx.Zeros(w);
        return grads;
    }

    /// <summary>Values that depend on a trainable value through differentiable float paths.</summary>
    static HashSet<string> RequiresGrad(List<Node> nodes, ShapeInference shapes, IReadOnlyList<string> wrt)
    {
        var set = new HashSet<string>(wrt);
        foreach (var n in nodes)
        {
            if (GradientRules.NonDifferentiable.Contains(n.OpType)) continue;
            if (!n.Inputs.Any(i => i.Length > 0 && set.Contains(i))) continue;
            foreach (var o in n.Outputs)
                if (o.Length > 0 && shapes.Knows(o) && shapes.Type(o) is DType.Float or DType.Double or DType.Float16)
                    set.Add(o);
        }
        return set;
    }

    /// <summary>Values the loss depends on.</summary>
    static HashSet<string> ReachesLoss(List<Node> nodes, string loss)
    {
        var set = new HashSet<string> { loss };
        for (int i = nodes.Count - 1; i >= 0; i--)
            if (nodes[i].Outputs.Any(set.Contains))
                set.UnionWith(nodes[i].Inputs.Where(x => x.Length > 0));
        return set;
    }
}
