using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;
using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// What a job's clients compile and feed to their training artifact: the graph options the strategy and the
/// local optimizer need (FedProx term, SCAFFOLD correction, momentum, weight decay, clipping) and the
/// matching scalar hyperparameters.
/// </summary>
public sealed record LocalSetup(TrainingOptions Options, Hyperparameters Hyperparameters, int Epochs, int BatchSize, int? MaxSteps)
{
    public bool UsesProx => Options.FedProx;
    public bool UsesControlVariates => Options.Scaffold;

    public static LocalSetup From(JobSpec spec)
    {
        var l = spec.Local;
        var optimizer = l.Optimizer switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adam" => OptimizerKind.Adam,
            "adamw" => OptimizerKind.AdamW,
            var o => throw new JobSpecException("local.optimizer", $"'{o}' is not supported"),
        };
        if (l.Momentum > 0 && optimizer != OptimizerKind.Sgd)
            throw new JobSpecException("local.momentum", "momentum applies to the sgd optimizer only");
        // BatchSize is a placeholder: the artifact cache sets it per compiled batch size.
        var options = new TrainingOptions
        {
            BatchSize = 1,
            Optimizer = optimizer,
            Momentum = l.Momentum > 0,
            WeightDecay = l.WeightDecay > 0,
            ClipGradientNorm = l.ClipNorm is not null,
            FedProx = spec.Strategy.Name == "fedprox",
            Scaffold = spec.Strategy.Name == "scaffold",
        };
        var hp = new Hyperparameters
        {
            LearningRate = (float)l.LearningRate,
            Momentum = (float)l.Momentum,
            WeightDecay = (float)l.WeightDecay,
            ClipNorm = (float)(l.ClipNorm ?? 1.0),
            ProxMu = (float)spec.Strategy.Mu,
        };
        return new LocalSetup(options, hp, l.Epochs, l.BatchSize, l.MaxSteps);
    }

    /// <summary>The graph batch size a client with <paramref name="samples"/> examples trains with (0 = full batch).</summary>
    public int BatchFor(int samples) => BatchSize == 0 ? samples : BatchSize;

    /// <summary>Optimizer steps a client with <paramref name="samples"/> examples takes: known before it trains.</summary>
    public int StepsFor(int samples)
    {
        int b = BatchFor(samples);
        int perEpoch = samples < b ? 1 : samples / b;
        int steps = perEpoch * Epochs;
        return MaxSteps is { } cap ? Math.Min(cap, steps) : steps;
    }
}
