namespace Tessera.Federation;

/// <summary>
/// What one client sends back after local training. Delta is local weights minus the global
/// weights the client started from, so "apply" means adding it (not subtracting a gradient).
/// </summary>
/// <param name="ClientId">Stable client identity; used to reject double counting.</param>
/// <param name="Delta">Flat update, same length as the global model.</param>
/// <param name="SampleCount">Local examples trained on; the FedAvg weight. Must be positive.</param>
/// <param name="LocalSteps">Local optimizer steps taken (τ_i); FedNova normalizes by it.</param>
/// <param name="ControlVariateDelta">SCAFFOLD only: c_i(new) − c_i(old).</param>
/// <param name="BaseVersion">Global model version the client started from; async staleness is measured against it.</param>
public sealed record ClientUpdate(
    string ClientId,
    float[] Delta,
    long SampleCount,
    int LocalSteps = 1,
    float[]? ControlVariateDelta = null,
    long BaseVersion = 0);
