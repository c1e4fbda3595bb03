namespace Tessera.Federation;

/// <summary>
/// Instructions for one selected client: hyperparameters for its local training
/// (e.g. "lr", "local_epochs", "prox_mu") and, for SCAFFOLD, the server control variate c.
/// </summary>
public sealed record ClientConfig(
    string ClientId,
    long ModelVersion,
    IReadOnlyDictionary<string, double> Hyperparameters,
    float[]? ServerControlVariate = null);
