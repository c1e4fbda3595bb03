using Tessera.Graphs.Autodiff;
using Tessera.Graphs.Training;

namespace Tessera.Graphs.Interop;

/// <summary>
/// Turns a user's forward ONNX model (for example exported from PyTorch) into a trainable model:
/// float initializers become parameters unless frozen, and every op on a path from a parameter to the output
/// must have a gradient rule — otherwise the error names the op and its node.
/// </summary>
public static class OnnxImporter
{
    /// <param name="frozen">Initializer names (or name prefixes ending in '.') to keep fixed.</param>
    /// <param name="output">Which graph output is the prediction; the first by default.</param>
    public static TrainableModel Import(byte[] onnx, LossKind loss, string? name = null, IEnumerable<string>? frozen = null, string? output = null)
    {
        var model = OnnxModel.FromBytes(onnx);
        OpsetNormalizer.Normalize(model);
        var g = model.Graph;
        if (g.Inputs.Count != 1)
            throw new OnnxFormatException($"model has {g.Inputs.Count} data inputs ({string.Join(", ", g.Inputs.Select(i => i.Name))}); Tessera trains models with exactly one");
        if (output is not null)
        {
            var chosen = g.Outputs.FirstOrDefault(o => o.Name == output) ?? throw new OnnxFormatException($"model has no output named '{output}'");
            g.Outputs.Clear();
            g.Outputs.Add(chosen);
        }
        else if (g.Outputs.Count > 1) g.Outputs.RemoveRange(1, g.Outputs.Count - 1);

        var (buffers, statistics) = BatchNormImport.Normalize(g);
        var frozenList = (frozen ?? []).ToList();
        foreach (var f in frozenList.Where(f => !f.EndsWith('.') && !g.Initializers.ContainsKey(f)))
            throw new ArgumentException($"frozen parameter '{f}' is not an initializer of the model");
        bool IsFrozen(string p) => frozenList.Any(f => f == p || (f.EndsWith('.') && p.StartsWith(f, StringComparison.Ordinal)));
        // Rank-0 float initializers are exporter constants (scales, epsilons), not weights.
        // BatchNorm statistics are never trainable: running ones are buffers, those of an eval-mode export stay fixed.
        var trainable = g.Initializers.Where(kv => kv.Value.Type == DType.Float && kv.Value.Shape.Length > 0 && !IsFrozen(kv.Key) && !statistics.Contains(kv.Key))
            .Select(kv => kv.Key).ToList();
        if (trainable.Count == 0) throw new OnnxFormatException("model has no trainable float initializers");

        var input = g.Inputs[0];
        if (input.Shape.Length == 0) throw new OnnxFormatException($"input '{input.Name}' must have a batch dimension");
        // Artifacts take fixed-size samples (shapes fold to constants, recurrences unroll), so only the batch axis may be dynamic.
        for (int i = 1; i < input.Shape.Length; i++)
            if (input.Shape[i] < 0)
                throw new OnnxFormatException($"input '{input.Name}' has a dynamic axis {i}{(input.DimNames?[i] is { } dim ? $" ('{dim}')" : "")}; Tessera trains on fixed-size samples, so export with a fixed size there (dynamic_axes only on the batch axis 0)");
        // A model exported with a fixed batch may have that size baked into its shape constants, so it is probed at it.
        long? exportBatch = input.Shape[0] > 0 ? input.Shape[0] : null;
        g.Inputs[0] = input with { Shape = [-1, .. input.Shape[1..]], DimNames = ["batch", .. Enumerable.Repeat<string?>(null, input.Shape.Length - 1)] };
        var outInfo = g.Outputs[0];
        if (outInfo.Shape.Length > 0) g.Outputs[0] = outInfo with { Shape = [-1, .. outInfo.Shape[1..]] };

        long probeBatch = exportBatch ?? 2;
        DropoutImport.Normalize(g);
        if (RecurrentLowering.Has(g)) RecurrentLowering.Lower(g, ShapeInference.Run(WithBatch(g, probeBatch)));
        CheckDifferentiable(g, trainable, probeBatch);
        long? fixedBatch = exportBatch is { } eb && BatchLocked(g, eb + 1) is not null ? eb : null;
        var trainableModel = new TrainableModel(name ?? (g.Name.Length > 0 ? g.Name : "imported"), g, loss, trainable, buffers: buffers, fixedBatch: fixedBatch);
        return trainableModel;
    }

    static Graph WithBatch(Graph g, long batch)
    {
        var probe = g.Clone();
        probe.Inputs[0] = probe.Inputs[0] with { Shape = [batch, .. probe.Inputs[0].Shape[1..]] };
        return probe;
    }

    /// <summary>Why shape inference fails at <paramref name="batch"/>, or null when it succeeds.</summary>
    internal static string? BatchLocked(Graph g, long batch)
    {
        try { ShapeInference.Run(WithBatch(g, batch)); return null; }
        catch (ShapeInferenceException e) { return e.Message; }
    }

    /// <summary>Runs shape inference at the probe batch (unknown ops fail here) and checks each op between a parameter and the output has a gradient rule.</summary>
    static void CheckDifferentiable(Graph g, IReadOnlyList<string> trainable, long probeBatch)
    {
        var probe = WithBatch(g, probeBatch);
        var shapes = ShapeInference.Run(probe);
        var reach = new HashSet<string>(trainable);
        foreach (var n in probe.Nodes)
        {
            if (!n.Inputs.Any(reach.Contains) || GradientRules.NonDifferentiable.Contains(n.OpType)) continue;
            bool floatOut = n.Outputs.Any(o => o.Length > 0 && shapes.Knows(o) && shapes.Type(o) == DType.Float);
            if (!floatOut) continue;
            if (GradientRules.For(n.OpType) is null)
                throw new UnsupportedOpException($"{n.Describe()}: op '{n.OpType}' has no gradient rule in Tessera, so the model cannot be trained; supported ops: {string.Join(", ", GradientRules.SupportedOps.Order())}");
            reach.UnionWith(n.Outputs);
        }
    }
}
