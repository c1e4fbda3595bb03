using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Attacks;

/// <summary>Maps `simulation.attack` onto its model-poisoning attack; data-poisoning attacks (label_flip, backdoor) have none.</summary>
public static class AttackFactory
{
    public static IAttack? Create(AttackSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var search = new FactorLineSearch(spec.Evals ?? 16);
        return spec.Name switch
        {
            AttackSpec.SignFlip => new SignFlip(),
            AttackSpec.Gaussian => new GaussianNoise(spec.Sigma ?? 1, spec.Mu ?? 0),
            AttackSpec.Ipm => new InnerProductManipulation(spec.Epsilon ?? 0.1),
            AttackSpec.Alie => new LittleIsEnough(spec.Z),
            AttackSpec.OptimalAlie => new OptimalLittleIsEnough(search),
            AttackSpec.OptimalIpm => new OptimalInnerProductManipulation(search),
            AttackSpec.MinMax => new MinMax(spec.Direction ?? PerturbationDirection.UnitVector),
            AttackSpec.MinSum => new MinSum(spec.Direction ?? PerturbationDirection.UnitVector),
            AttackSpec.Mimic => new Mimic(spec.Worker),
            AttackSpec.LabelFlip or AttackSpec.Backdoor => null,
            var name => throw new JobSpecException("simulation.attack.name", $"'{name}' is not a known attack"),
        };
    }
}
