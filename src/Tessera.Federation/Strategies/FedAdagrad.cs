using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>FedAdagrad (Reddi et al. 2021): v ← v + Δ² (β2 unused).</summary>
public sealed class FedAdagrad : AdaptiveStrategy
{
    public FedAdagrad(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null,
        float serverLearningRate = 1e-2f, float beta1 = 0.9f, float tau = 1e-3f)
        : base(selector, clientHyperparameters, serverLearningRate, beta1, beta2: 0f, tau)
    {
    }

    public override string Name => "FedAdagrad";

    protected override void UpdateSecondMoment(Span<float> v, ReadOnlySpan<float> deltaSquared) =>
        TensorPrimitives.Add(v, deltaSquared, v);
}
