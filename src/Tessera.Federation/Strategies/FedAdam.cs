using System.Numerics.Tensors;

namespace Tessera.Federation.Strategies;

/// <summary>FedAdam (Reddi et al. 2021): v ← β2·v + (1−β2)·Δ².</summary>
public sealed class FedAdam : AdaptiveStrategy
{
    public FedAdam(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null,
        float serverLearningRate = 1e-2f, float beta1 = 0.9f, float beta2 = 0.99f, float tau = 1e-3f)
        : base(selector, clientHyperparameters, serverLearningRate, beta1, beta2, tau)
    {
    }

    public override string Name => "FedAdam";

    protected override void UpdateSecondMoment(Span<float> v, ReadOnlySpan<float> deltaSquared)
    {
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(deltaSquared, 1 - Beta2, v, v);
    }
}
