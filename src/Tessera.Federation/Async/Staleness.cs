namespace Tessera.Federation.Async;

/// <summary>
/// Down-weighting of stale async updates. τ = current version − the version the client started from.
/// </summary>
public static class Staleness
{
    /// <summary>FedBuff's default (Nguyen et al. 2022): s(τ) = 1/√(1+τ).</summary>
    public static double InverseSqrt(long staleness) => 1.0 / Math.Sqrt(1.0 + staleness);

    /// <summary>No discount; useful to compare against synchronous averaging.</summary>
    public static double Constant(long staleness) => 1.0;
}
