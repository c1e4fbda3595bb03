namespace Tessera.Federation.Attacks;

/// <summary>
/// ALIE with z chosen per round by <see cref="FactorLineSearch"/> against the deployed rule (ByzFL's Optimal ALIE):
/// the z that pushes the aggregate furthest from the honest mean.
/// </summary>
public sealed class OptimalLittleIsEnough(FactorLineSearch? search = null) : IAttack
{
    public FactorLineSearch Search { get; } = search ?? new FactorLineSearch();

    public string Name => "optimal_alie";

    public float[][] Forge(AttackContext context) => context.Copies(ForgeOne(context).Forged);

    /// <summary>The forged update and the z it used.</summary>
    public (float[] Forged, double Z) ForgeOne(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mean = HonestMoments.Mean(context.Honest);
        var std = HonestMoments.StandardDeviation(context.Honest, mean);
        var (z, _) = Search.Maximize(context, x => LittleIsEnough.Vector(mean, std, x));
        return (LittleIsEnough.Vector(mean, std, z), z);
    }
}
