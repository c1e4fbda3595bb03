namespace Tessera.Federation;

/// <summary>
/// One node's share of a round: the weighted sums it folded, not yet normalized. A round spread
/// over several aggregator nodes is closed by merging their partials into one aggregator, which
/// yields exactly what a single node folding every upload would have. ClientIds travel along so a
/// client counted on two nodes is caught at merge time.
/// </summary>
public sealed record RoundPartial(
    int Round,
    float[] WeightedDeltaSum,
    float[]? ControlVariateSum,
    RoundTotals Totals,
    IReadOnlyList<string> ClientIds);
