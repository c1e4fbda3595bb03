using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// A virtual client's side of the job plan: the artifact's graph options and hyperparameters as the runtime
/// takes them, and the simulator's rule for how many steps a client with n samples takes.
/// </summary>
public sealed record LocalSetup(TrainingOptions Options, Hyperparameters Hyperparameters, int Epochs, int BatchSize, int? MaxSteps)
{
    public bool UsesProx => Options.FedProx;
    public bool UsesControlVariates => Options.Scaffold;

    public static LocalSetup From(JobPlan plan) =>
        new(plan.Options, Hyperparameters.FromNamed(plan.ClientHyperparameters), plan.Spec.Local.Epochs, plan.Spec.Local.BatchSize, plan.Spec.Local.MaxSteps);

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
