namespace Tessera.Runtime;

/// <summary>Values for an artifact's scalar inputs; only those the artifact declares are sent.</summary>
public sealed record Hyperparameters
{
    public float LearningRate { get; init; } = 0.1f;
    public float Momentum { get; init; } = 0.9f;
    public float WeightDecay { get; init; }
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    public float ClipNorm { get; init; } = 1f;
    public float ProxMu { get; init; } = 0.01f;
    public long DropoutSeed { get; init; }

    public float Value(string name) => name switch
    {
        "lr" => LearningRate, "momentum" => Momentum, "weight_decay" => WeightDecay, "beta1" => Beta1, "beta2" => Beta2,
        "epsilon" => Epsilon, "clip_norm" => ClipNorm, "prox_mu" => ProxMu,
        _ => throw new ArgumentException($"unknown hyperparameter '{name}'"),
    };
}
