using P = Tessera.Graphs.Training.ArtifactManifest;

namespace Tessera.Graphs.Training;

/// <summary>
/// The in-graph parameter update: gradient clipping, weight decay, FedProx and SCAFFOLD terms, then SGD
/// (momentum, Nesterov) or Adam/AdamW. Hyperparameters are read from the artifact's scalar inputs.
/// </summary>
internal static class OptimizerStep
{
    public static (Dictionary<string, string> Parameters, Dictionary<string, string> State) Append(
        GraphBuilder b, TrainingOptions o, IReadOnlyList<TensorSpec> parameters, Dictionary<string, string> weight,
        Dictionary<string, string> gradOfWeight, Dictionary<string, string> stateIn)
    {
        var grads = parameters.ToDictionary(p => p.Name, p => gradOfWeight[weight[p.Name]]);

        if (o.ClipGradientNorm)
        {
            // Scale every gradient by min(1, clip_norm / ||g||) with ||g|| the norm over all parameters together.
            var squares = parameters.Select(p => b.Op("ReduceSumSquare", [grads[p.Name]], ("keepdims", 0L))).ToArray();
            var norm = b.Sqrt(squares.Length == 1 ? squares[0] : b.Op("Sum", squares));
            var scale = b.Op("Min", b.Scalar(1f), b.Div("clip_norm", b.Add(norm, b.Scalar(1e-6f))));
            foreach (var p in parameters) grads[p.Name] = b.Mul(grads[p.Name], scale);
        }

        foreach (var p in parameters)
        {
            var w = weight[p.Name];
            var g = grads[p.Name];
            if (o.WeightDecay && o.Optimizer != OptimizerKind.AdamW) g = b.Add(g, b.Mul("weight_decay", w));
            if (o.FedProx) g = b.Add(g, b.Mul("prox_mu", b.Sub(w, P.GlobalPrefix + p.Name)));
            if (o.Scaffold) g = b.Add(g, b.Sub(P.ServerControlPrefix + p.Name, P.ClientControlPrefix + p.Name));
            grads[p.Name] = g;
        }

        var newParams = new Dictionary<string, string>();
        var newState = new Dictionary<string, string>();
        if (o.Optimizer == OptimizerKind.Sgd)
        {
            foreach (var p in parameters)
            {
                var w = weight[p.Name];
                var update = grads[p.Name];
                if (o.Momentum)
                {
                    var v = b.Add(b.Mul("momentum", stateIn[$"velocity/{p.Name}"]), update);
                    newState[$"velocity/{p.Name}"] = v;
                    update = o.Nesterov ? b.Add(update, b.Mul("momentum", v)) : v;
                }
                newParams[p.Name] = b.Sub(w, b.Mul("lr", update));
            }
            return (newParams, newState);
        }

        // Adam / AdamW with bias correction folded into two scalars per step.
        var t = b.Add(stateIn["step"], b.Scalar(1f));
        newState["step"] = t;
        var one = b.Scalar(1f);
        var stepSize = b.Div("lr", b.Sub(one, b.Op("Pow", "beta1", t)));
        var sqrtBc2 = b.Sqrt(b.Sub(one, b.Op("Pow", "beta2", t)));
        var oneMinusB1 = b.Sub(one, "beta1");
        var oneMinusB2 = b.Sub(one, "beta2");
        foreach (var p in parameters)
        {
            var w = weight[p.Name];
            var g = grads[p.Name];
            var m = b.Add(b.Mul("beta1", stateIn[$"m/{p.Name}"]), b.Mul(oneMinusB1, g));
            var v = b.Add(b.Mul("beta2", stateIn[$"v/{p.Name}"]), b.Mul(oneMinusB2, b.Mul(g, g)));
            newState[$"m/{p.Name}"] = m;
            newState[$"v/{p.Name}"] = v;
            var denom = b.Add(b.Div(b.Sqrt(v), sqrtBc2), "epsilon");
            var next = b.Sub(w, b.Mul(stepSize, b.Div(m, denom)));
            if (o.WeightDecay && o.Optimizer == OptimizerKind.AdamW) next = b.Sub(next, b.Mul(b.Mul("lr", "weight_decay"), w));
            newParams[p.Name] = next;
        }
        return (newParams, newState);
    }
}
