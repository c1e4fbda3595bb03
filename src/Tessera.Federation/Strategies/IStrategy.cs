namespace Tessera.Federation.Strategies;

/// <summary>
/// A federated optimization algorithm, shaped like Flower's Strategy: configure a round,
/// aggregate its results, step the global model. The coordinator drives the loop:
/// <code>
/// var plan = strategy.ConfigureRound(r, model, available);   // send plan.Clients their configs
/// var agg  = strategy.BeginRound(r, model);                  // agg.Fold(update) per upload
/// model    = strategy.Apply(model, agg.Finish());
/// </code>
/// </summary>
public interface IStrategy
{
    string Name { get; }

    /// <summary>Version 0 model with whatever server state the strategy needs from the start.</summary>
    GlobalModel Initialize(float[] initialWeights);

    RoundPlan ConfigureRound(int round, GlobalModel model, IReadOnlyList<string> availableClients);

    IRoundAggregator BeginRound(int round, GlobalModel model);

    /// <summary>Server optimizer step. Pure: returns a new model with Version + 1; <paramref name="current"/> is not modified.</summary>
    GlobalModel Apply(GlobalModel current, RoundAggregate aggregate);
}
