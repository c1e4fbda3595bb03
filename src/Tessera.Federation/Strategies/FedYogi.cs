namespace Tessera.Federation.Strategies;

/// <summary>
/// FedYogi (Reddi et al. 2021, after Zaheer et al. 2018): v ← v − (1−β2)·Δ²·sign(v − Δ²).
/// v moves additively toward Δ², so it cannot collapse as fast as Adam's when updates shrink.
/// </summary>
public sealed class FedYogi : AdaptiveStrategy
{
    public FedYogi(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null,
        float serverLearningRate = 1e-2f, float beta1 = 0.9f, float beta2 = 0.99f, float tau = 1e-3f)
        : base(selector, clientHyperparameters, serverLearningRate, beta1, beta2, tau)
    {
    }

    public override string Name => "FedYogi";

    protected override void UpdateSecondMoment(Span<float> v, ReadOnlySpan<float> deltaSquared)
    {
        float rate = 1 - Beta2;
        for (int i = 0; i < v.Length; i++)
            v[i] -= rate * deltaSquared[i] * MathF.Sign(v[i] - deltaSquared[i]);
    }
}
