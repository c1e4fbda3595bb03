using Tessera.Federation.Strategies;

namespace Tessera.Federation.Personalization;

/// <summary>
/// FedBN (Li et al. 2021) around any strategy: the round's aggregate loses its entries for the client-local tensors
/// (and SCAFFOLD's Δc for them), and the server step's result keeps the global values of those entries, whatever the
/// inner step would have done with them (momentum, adaptive moments, a worker that uploaded a non-zero delta there
/// anyway). So the global BatchNorm tensors stay as initialized and clients' own ones are never averaged.
/// </summary>
public sealed class FedBnStrategy(IStrategy inner, LocalTensors local) : IStrategy
{
    public IStrategy Inner => inner;
    public LocalTensors Local => local;

    public string Name => inner.Name + "+FedBN";

    public GlobalModel Initialize(float[] initialWeights) => inner.Initialize(initialWeights);

    public RoundPlan ConfigureRound(int round, GlobalModel model, IReadOnlyList<string> availableClients) =>
        inner.ConfigureRound(round, model, availableClients);

    public IRoundAggregator BeginRound(int round, GlobalModel model) => inner.BeginRound(round, model);

    public GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        var delta = (float[])aggregate.Delta.Clone();
        local.Clear(delta);
        float[]? dc = null;
        if (aggregate.ControlVariateDelta is { } c) { dc = (float[])c.Clone(); local.Clear(dc); }
        var next = inner.Apply(current, aggregate with { Delta = delta, ControlVariateDelta = dc });
        // IStrategy.Apply is pure and returns fresh arrays; pin in a copy should a step ever hand back the current one.
        var weights = ReferenceEquals(next.Weights, current.Weights) ? (float[])next.Weights.Clone() : next.Weights;
        local.CopyRanges(current.Weights, weights);
        return next with { Weights = weights };
    }
}
