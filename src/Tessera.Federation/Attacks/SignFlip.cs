using System.Numerics.Tensors;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Sign flipping (Allen-Zhu et al. 2020; ByzFL's SignFlipping): each attacker sends the negated honest mean, or
/// its own honest update negated when it trained one.
/// </summary>
public sealed class SignFlip : IAttack
{
    public string Name => "sign_flip";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var flippedMean = new Lazy<float[]>(() =>
        {
            var m = HonestMoments.Mean(context.Honest);
            TensorPrimitives.Negate(m, m);
            return m;
        });
        var forged = new float[context.Byzantine][];
        for (int k = 0; k < forged.Length; k++)
        {
            if (context.Own is { } own && k < own.Count && own[k] is { } mine)
            {
                forged[k] = new float[mine.Length];
                TensorPrimitives.Negate(mine, forged[k]);
            }
            else forged[k] = (float[])flippedMean.Value.Clone();
        }
        return forged;
    }
}
