using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>
/// SCAFFOLD (Karimireddy et al. 2020). The server keeps a control variate c (an estimate of the
/// global update direction) and ships it to clients, who correct their local steps by c − c_i
/// and return Δy_i and Δc_i = c_i⁺ − c_i. Server step, with S the round's clients and N all clients:
/// x ← x + η_g·mean(Δy),  c ← c + (|S|/N)·mean(Δc).
/// Means are unweighted as in the paper unless <c>weightDeltasBySamples</c> is set (Δc stays unweighted).
/// </summary>
public sealed class Scaffold : Strategy
{
    public const string ControlVariateKey = "c";

    private readonly bool _weightDeltasBySamples;

    /// <param name="totalClients">N, the size of the whole federation (not just this round's selection).</param>
    public Scaffold(int totalClients, ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null,
        float globalLearningRate = 1f, bool weightDeltasBySamples = false)
        : base(selector, clientHyperparameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalClients);
        TotalClients = totalClients;
        GlobalLearningRate = globalLearningRate;
        _weightDeltasBySamples = weightDeltasBySamples;
    }

    public override string Name => "SCAFFOLD";

    public int TotalClients { get; }

    public float GlobalLearningRate { get; }

    public override GlobalModel Initialize(float[] initialWeights) =>
        GlobalModel.Initial(initialWeights) with { State = ServerState.Empty.With(ControlVariateKey, new float[initialWeights.Length]) };

    public override IRoundAggregator BeginRound(int round, GlobalModel model) =>
        new RoundAggregator(round, model.Length, u => _weightDeltasBySamples ? u.SampleCount : 1.0, collectControlVariates: true, expectedBaseVersion: model.Version);

    public override GlobalModel Apply(GlobalModel current, RoundAggregate aggregate)
    {
        RequireSameLength(current, aggregate);
        if (aggregate.ControlVariateDelta is not { } meanDc)
            throw new ArgumentException("SCAFFOLD needs the round's mean control variate delta.", nameof(aggregate));
        if (aggregate.ClientCount > TotalClients)
            throw new ArgumentException($"{aggregate.ClientCount} clients in the round but the federation has only {TotalClients}.", nameof(aggregate));

        float[] c = StateOrZeros(current, ControlVariateKey);
        TensorPrimitives.MultiplyAdd(meanDc, (float)aggregate.ClientCount / TotalClients, c, c);
        return new GlobalModel(Step(current.Weights, aggregate.Delta, GlobalLearningRate), current.Version + 1,
            current.State.With(ControlVariateKey, c));
    }

    /// <summary>Every selected client receives the current server control variate.</summary>
    protected override ClientConfig ConfigureClient(string clientId, GlobalModel model, IReadOnlyDictionary<string, double> hyperparameters) =>
        new(clientId, model.Version, hyperparameters, model.State.Get(ControlVariateKey) ?? new float[model.Length]);
}
