namespace Tessera.Federation.Strategies;

/// <summary>
/// FedNova (Wang et al. 2020), normalized averaging for clients that run different numbers of
/// local steps τ_i. Plain FedAvg lets many-step clients dominate and biases the objective;
/// FedNova averages per-step directions and rescales by the effective step count:
/// d = Σ p_i·Δ_i/τ_i,  τ_eff = Σ p_i·τ_i,  x ← x + η·τ_eff·d,  p_i = n_i/Σn.
/// Streamed as Σ (n_i/τ_i)·Δ_i scaled at the end by Σ n_i τ_i / (Σ n_i)².
/// Assumes plain local SGD (the paper's a_i with ‖a_i‖₁ = τ_i).
/// </summary>
public sealed class FedNova : FedAvg
{
    public FedNova(ClientSelector? selector = null, IReadOnlyDictionary<string, double>? clientHyperparameters = null, float serverLearningRate = 1f)
        : base(selector, clientHyperparameters, serverLearningRate)
    {
    }

    public override string Name => "FedNova";

    public override IRoundAggregator BeginRound(int round, GlobalModel model) =>
        new RoundAggregator(
            round,
            model.Length,
            u => (double)u.SampleCount / u.LocalSteps,
            t => (double)t.TotalSamples * t.TotalSamples / t.SampleWeightedSteps,
            expectedBaseVersion: model.Version);
}
