namespace Tessera.Federation.Attacks;

/// <summary>IPM with ε chosen per round by <see cref="FactorLineSearch"/> against the deployed rule (ByzFL's Optimal IPM).</summary>
public sealed class OptimalInnerProductManipulation(FactorLineSearch? search = null) : IAttack
{
    public FactorLineSearch Search { get; } = search ?? new FactorLineSearch();

    public string Name => "optimal_ipm";

    public float[][] Forge(AttackContext context) => context.Copies(ForgeOne(context).Forged);

    /// <summary>The forged update and the ε it used.</summary>
    public (float[] Forged, double Epsilon) ForgeOne(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mean = HonestMoments.Mean(context.Honest);
        var (epsilon, _) = Search.Maximize(context, x => InnerProductManipulation.Vector(mean, x));
        return (InnerProductManipulation.Vector(mean, epsilon), epsilon);
    }
}
