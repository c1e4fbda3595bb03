namespace Tessera.Protocol.Jobs;

/// <summary>
/// Where the global model is evaluated (DESIGN §9): on a coordinator-side data set, federated on the workers'
/// held-out splits (as Flower's evaluate rounds), or both.
/// </summary>
public sealed record EvaluationSpec
{
    /// <summary>The coordinator-side test set: "test" (the job data set's test split), another data set's name, or "none".</summary>
    public string Dataset { get; init; } = "test";
    /// <summary>Every this many rounds selected workers evaluate on their held-out data; 0: never.</summary>
    public int FederatedEvery { get; init; }
    /// <summary>Share of live workers asked to evaluate in a federated evaluation round.</summary>
    public double FederatedFraction { get; init; } = 1.0;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool OnCoordinator => Dataset != "none";
}
