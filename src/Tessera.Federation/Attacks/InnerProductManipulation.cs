using System.Numerics.Tensors;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Inner-product manipulation (Xie et al. 2020, "Fall of Empires"): attackers send −ε·mean, so the aggregate's inner
/// product with the true mean turns negative. ε = 0.1 slips past robust rules; ε ≥ 2 overwhelms a plain mean.
/// </summary>
public sealed class InnerProductManipulation(double epsilon = 0.1) : IAttack
{
    public double Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be positive");

    public string Name => "ipm";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Copies(Vector(HonestMoments.Mean(context.Honest), Epsilon));
    }

    /// <summary>−ε·mean.</summary>
    internal static float[] Vector(ReadOnlySpan<float> mean, double epsilon)
    {
        var x = new float[mean.Length];
        TensorPrimitives.Multiply(mean, (float)-epsilon, x);
        return x;
    }
}
