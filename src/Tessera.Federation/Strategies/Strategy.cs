using System.Collections.Frozen;
using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>
/// Shared plumbing so a concrete strategy only states what differs: its server step, and
/// optionally its client hyperparameters, per-client config, or aggregation weights.
/// </summary>
public abstract class Strategy : IStrategy
{
    private readonly IReadOnlyDictionary<string, double> _clientHyperparameters;

    protected Strategy(ClientSelector? selector, IReadOnlyDictionary<string, double>? clientHyperparameters)
    {
        Selector = selector ?? new ClientSelector();
        _clientHyperparameters = (clientHyperparameters ?? new Dictionary<string, double>()).ToFrozenDictionary(StringComparer.Ordinal);
    }

    public abstract string Name { get; }

    public ClientSelector Selector { get; }

    public virtual GlobalModel Initialize(float[] initialWeights) => GlobalModel.Initial(initialWeights);

    public RoundPlan ConfigureRound(int round, GlobalModel model, IReadOnlyList<string> availableClients)
    {
        var selection = Selector.Select(round, availableClients);
        var hyperparameters = ClientHyperparameters(round);
        var configs = selection.Clients.Select(id => ConfigureClient(id, model, hyperparameters)).ToArray();
        return new RoundPlan(round, model.Version, configs, selection.TargetResults);
    }

    public virtual IRoundAggregator BeginRound(int round, GlobalModel model) =>
        RoundAggregator.SampleWeighted(round, model.Length, expectedBaseVersion: model.Version);

    public abstract GlobalModel Apply(GlobalModel current, RoundAggregate aggregate);

    /// <summary>Hyperparameters every selected client gets this round; override to add strategy knobs.</summary>
    protected virtual IReadOnlyDictionary<string, double> ClientHyperparameters(int round) => _clientHyperparameters;

    protected virtual ClientConfig ConfigureClient(string clientId, GlobalModel model, IReadOnlyDictionary<string, double> hyperparameters) =>
        new(clientId, model.Version, hyperparameters);

    /// <summary>Throws unless the aggregate matches the model it is being applied to.</summary>
    protected static void RequireSameLength(GlobalModel current, RoundAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(aggregate);
        if (aggregate.Delta.Length != current.Length)
            throw new ArgumentException($"Aggregate has {aggregate.Delta.Length} elements but the model has {current.Length}.", nameof(aggregate));
    }

    /// <summary>x + lr·delta into a fresh array.</summary>
    protected static float[] Step(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, float lr)
    {
        var next = new float[weights.Length];
        TensorPrimitives.MultiplyAdd(delta, lr, weights, next);
        return next;
    }

    protected static float[] StateOrZeros(GlobalModel model, string name) =>
        model.State.Get(name) is { } existing ? (float[])existing.Clone() : new float[model.Length];
}
