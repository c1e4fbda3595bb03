namespace Tessera.Federation;

/// <summary>Scalar bookkeeping of a round's folds, used to normalize the weighted sum at Finish.</summary>
/// <param name="TotalWeight">Σ w_i of the weights the deltas were folded with.</param>
/// <param name="SampleWeightedSteps">Σ n_i·τ_i (FedNova's effective step count numerator).</param>
public readonly record struct RoundTotals(int ClientCount, long TotalSamples, double TotalWeight, double SampleWeightedSteps);
