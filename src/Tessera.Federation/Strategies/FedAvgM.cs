using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>
/// FedAvgM (Hsu et al. 2019): heavy-ball momentum on the server, m ← β·m + Δ, x ← x + η·m.
/// Helps with non-IID clients whose averaged deltas point in noisy directions.
/// </summary>
public sealed class FedAvgM : FedAvg
{
    public const string MomentumKey = "momentum";

    public FedAvgM(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null, float serverLearningRate = 1f, float momentum = 0.9f)
        : base(selector, clientHyperparameters, serverLearningRate)
    {
        Momentum = momentum;
    }

    public override string Name => "FedAvgM";

    public float Momentum { get; }

    public override GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        RequireSameLength(current, aggregate);
        float[] m = StateOrZeros(current, MomentumKey);
        TensorPrimitives.MultiplyAdd(m, Momentum, aggregate.Delta, m);
        return new GlobalModel(Step(current.Weights, m, ServerLearningRate), current.Version + 1, current.State.With(MomentumKey, m));
    }
}
