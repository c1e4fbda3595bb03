namespace Tessera.Federation.Privacy.Accounting;

/// <summary>How a round's cohort is drawn, which fixes the adjacency its accounting assumes.</summary>
public enum Sampling
{
    /// <summary>Each client joins independently with probability q (add-or-remove-one adjacency).</summary>
    Poisson,

    /// <summary>Exactly m of N clients, uniformly without replacement, q = m/N (replace-one adjacency, N public).</summary>
    FixedSize,
}
