namespace Tessera.Protocol.Jobs;

/// <summary>
/// A Byzantine attack the simulator mounts (the `simulation.attack:` section, docs/ATTACKS.md): which clients are
/// Byzantine (<see cref="Fraction"/> of the clients, or <see cref="Count"/> of them, fixed per job from the seed) and
/// what they do. Model-poisoning attacks forge updates from the round's honest ones; label_flip and backdoor poison
/// the Byzantine clients' training data instead.
/// </summary>
public sealed record AttackSpec
{
    public const string SignFlip = "sign_flip", Gaussian = "gaussian", LabelFlip = "label_flip", Ipm = "ipm", Alie = "alie",
        OptimalAlie = "optimal_alie", OptimalIpm = "optimal_ipm", MinMax = "min_max", MinSum = "min_sum", Mimic = "mimic", Backdoor = "backdoor";
    public static readonly string[] Names = [SignFlip, Gaussian, LabelFlip, Ipm, Alie, OptimalAlie, OptimalIpm, MinMax, MinSum, Mimic, Backdoor];
    public static readonly string[] Directions = ["unit_vec", "std", "sign"];
    /// <summary>What a forging attacker sizes its vector against when the robust stage keeps client momentum.</summary>
    public const string ForgesMomentum = "momentum", ForgesUpdate = "update";
    public static readonly string[] ForgesValues = [ForgesMomentum, ForgesUpdate];

    public required string Name { get; init; }
    // Parameters are null unless the attack reads them (the reader fills in their defaults then), so a spec written
    // back as JSON names only what applies and parses again.
    /// <summary>Share of the clients that are Byzantine, in [0, 0.5); null when <see cref="Count"/> is given.</summary>
    public double? Fraction { get; init; }
    /// <summary>How many clients are Byzantine (f), instead of a fraction.</summary>
    public int? Count { get; init; }
    /// <summary>sign_flip: attackers train and send their own update negated, instead of the negated honest mean.</summary>
    public bool? Own { get; init; }
    /// <summary>gaussian: σ and μ of each forged coordinate.</summary>
    public double? Sigma { get; init; }
    public double? Mu { get; init; }
    /// <summary>ipm: attackers send −ε·mean.</summary>
    public double? Epsilon { get; init; }
    /// <summary>alie: a fixed z; null derives z from n and f (Baruch et al.).</summary>
    public double? Z { get; init; }
    /// <summary>min_max, min_sum: the perturbation (unit_vec, std or sign).</summary>
    public string? Direction { get; init; }
    /// <summary>mimic: a fixed honest worker to copy (its place in the round); null picks the one of largest variance.</summary>
    public int? Worker { get; init; }
    /// <summary>optimal_alie, optimal_ipm: scores the line search may compute per round.</summary>
    public int? Evals { get; init; }
    /// <summary>
    /// With client momentum (strategy.aggregator.momentum): <c>momentum</c> forges the momentum vector the rule combines,
    /// against the honest clients' momenta (ByzFL's threat model), and uploads the update that the server's momentum
    /// step turns into it; <c>update</c> forges the raw update against the honest raw updates. Null without momentum,
    /// where the two are the same, and for the data-poisoning attacks.
    /// </summary>
    public string? Forges { get; init; }
    /// <summary>backdoor: the class triggered inputs should be classified as.</summary>
    public int? Target { get; init; }
    /// <summary>backdoor: factor the attacker's update is scaled by; null is the round's clients / attackers (model replacement).</summary>
    public double? Boost { get; init; }
    /// <summary>backdoor: share of the attacker's samples that carry the trigger and the target label.</summary>
    public double? PoisonFraction { get; init; }
    /// <summary>backdoor: side of the white square stamped in the bottom-right corner.</summary>
    public int? TriggerSize { get; init; }

    /// <summary>True when the attack poisons training data rather than forging updates.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool PoisonsData => Name is LabelFlip or Backdoor;
}
