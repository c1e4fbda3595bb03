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

    /// <summary>From named values (a task's or a job plan's); names not given keep their defaults.</summary>
    public static Hyperparameters FromNamed(IReadOnlyDictionary<string, double> named)
    {
        ArgumentNullException.ThrowIfNull(named);
        var d = new Hyperparameters();
        float Get(string k, float fallback) => named.TryGetValue(k, out var v) ? (float)v : fallback;
        return d with
        {
            LearningRate = Get("lr", d.LearningRate), Momentum = Get("momentum", d.Momentum), WeightDecay = Get("weight_decay", d.WeightDecay),
            Beta1 = Get("beta1", d.Beta1), Beta2 = Get("beta2", d.Beta2), Epsilon = Get("epsilon", d.Epsilon),
            ClipNorm = Get("clip_norm", d.ClipNorm), ProxMu = Get("prox_mu", d.ProxMu),
        };
    }

    public float Value(string name) => name switch
    {
        "lr" => LearningRate, "momentum" => Momentum, "weight_decay" => WeightDecay, "beta1" => Beta1, "beta2" => Beta2,
        "epsilon" => Epsilon, "clip_norm" => ClipNorm, "prox_mu" => ProxMu,
        _ => throw new ArgumentException($"unknown hyperparameter '{name}'"),
    };
}
