namespace Tessera.Federation.Privacy.Accounting;

/// <summary>An (ε, δ) guarantee and the Rényi order whose bound gave it (at the grid's edge, a wider grid may do better).</summary>
public readonly record struct PrivacySpent(double Epsilon, double Delta, double Order);
