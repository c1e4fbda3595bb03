namespace Tessera.Protocol.Jobs;

/// <summary>
/// Reads `simulation.attack:`. A parameter of another attack is an error, not ignored: `epsilon` on alie is a typo
/// for something the run would otherwise silently not do.
/// </summary>
internal static class AttackSpecReader
{
    // Which attacks read each parameter.
    static readonly Dictionary<string, string[]> Owners = new()
    {
        ["own"] = [AttackSpec.SignFlip],
        ["sigma"] = [AttackSpec.Gaussian],
        ["mu"] = [AttackSpec.Gaussian],
        ["epsilon"] = [AttackSpec.Ipm],
        ["z"] = [AttackSpec.Alie],
        ["direction"] = [AttackSpec.MinMax, AttackSpec.MinSum],
        ["worker"] = [AttackSpec.Mimic],
        ["evals"] = [AttackSpec.OptimalAlie, AttackSpec.OptimalIpm],
        ["target"] = [AttackSpec.Backdoor],
        ["boost"] = [AttackSpec.Backdoor],
        ["poison_fraction"] = [AttackSpec.Backdoor],
        ["trigger_size"] = [AttackSpec.Backdoor],
    };

    public static AttackSpec Read(SpecReader a, DataSpec data, StrategySpec strategy)
    {
        const string at = "simulation.attack";
        var name = a.RequiredString("name", AttackSpec.Names);
        foreach (var (key, owners) in Owners)
            if (a.Has(key) && !owners.Contains(name))
                throw new JobSpecException($"{at}.{key}", $"only applies to {string.Join(" and ", owners)} (this attack is {name})");
        bool Uses(string key) => Owners[key].Contains(name);
        var spec = new AttackSpec
        {
            Name = name,
            Fraction = a.Double("fraction", null, 0, 0.5),
            Count = a.Int("count", null, 0),
            Own = a.Bool("own", Uses("own") ? false : null),
            Sigma = a.Double("sigma", Uses("sigma") ? 1 : null, 0),
            Mu = a.Double("mu", Uses("mu") ? 0 : null),
            Epsilon = a.Double("epsilon", Uses("epsilon") ? 0.1 : null, 0, exclusiveMin: true),
            Z = a.Double("z", null, 0),
            Direction = a.String("direction", Uses("direction") ? "unit_vec" : null, AttackSpec.Directions),
            Worker = a.Int("worker", null, 0),
            Evals = a.Int("evals", Uses("evals") ? 16 : null, 2, 1000),
            Target = a.Int("target", Uses("target") ? 0 : null, 0),
            Boost = a.Double("boost", null, 0, exclusiveMin: true),
            PoisonFraction = a.Double("poison_fraction", Uses("poison_fraction") ? 0.5 : null, 0, 1, exclusiveMin: true),
            TriggerSize = a.Int("trigger_size", Uses("trigger_size") ? 3 : null, 1, 64),
            Forges = a.String("forges", null, AttackSpec.ForgesValues),
        };
        a.RejectUnknown();
        if (spec.Fraction is not null && spec.Count is not null)
            throw new JobSpecException($"{at}.count", "give fraction or count, not both");
        // Robust aggregation is only meaningful against a Byzantine minority.
        if (spec.Fraction is >= 0.5)
            throw new JobSpecException($"{at}.fraction", $"{spec.Fraction} must be below 0.5 (a Byzantine minority)");
        if (spec.Count is { } f && 2 * f >= data.Clients)
            throw new JobSpecException($"{at}.count", $"{f} Byzantine clients of {data.Clients} is not a minority (needs fewer than half)");
        if (spec.Fraction is null && spec.Count is null) spec = spec with { Fraction = 0.2 };
        bool momentum = strategy.Aggregator.Momentum is not null;
        if (spec.Forges is not null && spec.PoisonsData)
            throw new JobSpecException($"{at}.forges", $"only applies to attacks that forge updates ({name} poisons training data)");
        if (spec.Forges is not null && !momentum)
            throw new JobSpecException($"{at}.forges", "only applies with strategy.aggregator.momentum (without it the rule combines the raw updates)");
        if (momentum && !spec.PoisonsData) spec = spec with { Forges = spec.Forges ?? AttackSpec.ForgesMomentum };
        if (strategy.Name == "fedbuff")
            throw new JobSpecException(at, "attacks forge from a synchronous round's honest updates; fedbuff has no rounds");
        if (strategy.Name == "scaffold" && !spec.PoisonsData)
            throw new JobSpecException(at, $"a forged {name} update carries no SCAFFOLD control variate; use a data-poisoning attack (label_flip, backdoor) or another strategy");
        return spec;
    }
}
