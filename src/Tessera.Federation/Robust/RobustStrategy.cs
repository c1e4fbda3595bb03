using Tessera.Federation.Strategies;

namespace Tessera.Federation.Robust;

/// <summary>
/// A robust aggregator around a strategy's server step (FedAvg, FedAvgM, FedAdam/Yogi/Adagrad, FedProx), like
/// FedBN's wrapper: rounds buffer their cohort and combine it with the pipeline instead of the streaming mean; the
/// inner strategy selects, configures and steps as before. A rule that starts from the previous aggregate
/// (centered clipping) finds it in the model's server state (<see cref="PreviousKey"/>), so checkpoints carry it.
/// </summary>
public sealed class RobustStrategy : IStrategy
{
    /// <summary>Server-state name of the previous round's robust aggregate.</summary>
    public const string PreviousKey = "robust_previous";

    readonly IUpdateBufferFactory _buffers;
    volatile IReadOnlyList<UpdateFate> _lastFates = [];

    public RobustStrategy(IStrategy inner, RobustPipeline pipeline, IUpdateBufferFactory? buffers = null)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _buffers = buffers ?? InMemoryUpdateBufferFactory.Instance;
    }

    public IStrategy Inner { get; }
    public RobustPipeline Pipeline { get; }

    /// <summary>The fates of the last finished round's updates, for its metrics (empty before the first).</summary>
    public IReadOnlyList<UpdateFate> LastFates => _lastFates;

    public string Name => $"{Inner.Name}+{Pipeline.Name}";

    public GlobalModel Initialize(float[] initialWeights) => Inner.Initialize(initialWeights);

    public RoundPlan ConfigureRound(int round, GlobalModel model, IReadOnlyList<string> availableClients) =>
        Inner.ConfigureRound(round, model, availableClients);

    public IRoundAggregator BeginRound(int round, GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new BufferedRoundAggregator(round, _buffers.Create(round, model.Length), set => Aggregate(round, model, set), expectedBaseVersion: model.Version);
    }

    /// <summary>
    /// The robust stage on a round's cohort, from the model the round started at (centered clipping's centre is its
    /// previous aggregate): what the simulator's buffered round runs at Finish and the coordinator runs on its spills.
    /// </summary>
    public RobustAggregate Aggregate(int round, GlobalModel model, IUpdateSet cohort)
    {
        var previous = Pipeline.Aggregator.UsesPrevious ? model.State.Get(PreviousKey) : null;
        var result = Pipeline.Run(cohort, round, previous);
        _lastFates = result.Fates;
        return result;
    }

    public GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        var next = Inner.Apply(current, aggregate);
        if (!Pipeline.Aggregator.UsesPrevious) return next;
        return next with { State = next.State.With(PreviousKey, (float[])aggregate.Delta.Clone()) };
    }
}
