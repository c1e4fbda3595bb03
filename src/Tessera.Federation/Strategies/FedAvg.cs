namespace Tessera.Federation.Strategies;

/// <summary>
/// FedAvg (McMahan et al. 2017): x ← x + η·Σ (n_i/n) Δ_i. With η = 1 this is exactly the
/// sample-weighted average of the clients' local models.
/// </summary>
public class FedAvg : Strategy
{
    public FedAvg(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null, float serverLearningRate = 1f)
        : base(selector, clientHyperparameters)
    {
        ServerLearningRate = serverLearningRate;
    }

    public override string Name => "FedAvg";

    public float ServerLearningRate { get; }

    public override GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        RequireSameLength(current, aggregate);
        return current with { Weights = Step(current.Weights, aggregate.Delta, ServerLearningRate), Version = current.Version + 1 };
    }
}
