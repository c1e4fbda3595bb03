namespace Tessera.Graphs.Training;

/// <summary>
/// The tensors of a model's BatchNorm layers that FedBN keeps on each client: for every BatchNormalization whose
/// running statistics are buffers, its scale and bias (when trainable) and its running mean and variance.
/// Why the affine weights too: FedBN (Li et al. 2021) excludes all BN parameters from averaging, as Flower's
/// FedBN example does (every "bn" key); gamma and beta are the part of the layer that adapts to a client's
/// feature shift after normalization.
/// </summary>
public static class BatchNormLayers
{
    /// <returns>The names in the model's parameter order (trainable ones first, then buffers); empty without training-mode BatchNorm.</returns>
    public static IReadOnlyList<string> LocalTensors(TrainableModel model)
    {
        var local = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in model.Forward.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Inputs.Count == 5))
        {
            if (!model.Buffers.Contains(n.Inputs[3])) continue;   // an eval-mode export: fixed statistics, nothing of it is local
            foreach (var input in n.Inputs.Skip(1))
                if (model.Trainable.Contains(input) || model.Buffers.Contains(input)) local.Add(input);
        }
        return model.Trainable.Concat(model.Buffers).Where(local.Contains).ToList();
    }
}
