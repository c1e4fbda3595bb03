namespace Tessera.Graphs.Training;

public enum OptimizerKind { Sgd, Adam, AdamW }

/// <summary>
/// What shapes a training artifact's graph. Values such as the learning rate are not here: they are inputs
/// of the artifact, so one artifact serves every learning rate and its hash stays the same.
/// </summary>
public sealed record TrainingOptions
{
    public required int BatchSize { get; init; }
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>SGD with a velocity buffer (input "momentum").</summary>
    public bool Momentum { get; init; }
    public bool Nesterov { get; init; }
    /// <summary>L2 weight decay (input "weight_decay"); decoupled for AdamW.</summary>
    public bool WeightDecay { get; init; }
    /// <summary>Per-step clipping of the global gradient norm (input "clip_norm").</summary>
    public bool ClipGradientNorm { get; init; }
    /// <summary>FedProx proximal term mu/2 |w - w_global|^2 (inputs "prox_mu" and "global/{p}").</summary>
    public bool FedProx { get; init; }
    /// <summary>SCAFFOLD correction g + c - c_i (inputs "control/server/{p}" and "control/client/{p}").</summary>
    public bool Scaffold { get; init; }
    /// <summary>
    /// FedBN: the manifest names the BatchNorm layers' tensors (<see cref="BatchNormLayers"/>) as local, which a
    /// worker keeps between tasks and uploads no change for. The graph is the same; only the manifest differs.
    /// </summary>
    public bool LocalBatchNorm { get; init; }

    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch_size must be at least 1, got {BatchSize}");
        if ((Momentum || Nesterov) && Optimizer != OptimizerKind.Sgd) throw new ArgumentException("momentum/nesterov apply to the sgd optimizer only");
        if (Nesterov && !Momentum) throw new ArgumentException("nesterov needs momentum");
    }
}
