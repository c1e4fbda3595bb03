namespace Tessera.Federation.Attacks;

/// <summary>Gaussian attack (ByzFL's Gaussian): each attacker sends an independent N(μ, σ²) vector.</summary>
public sealed class GaussianNoise(double sigma = 1, double mu = 0) : IAttack
{
    public double Sigma { get; } = sigma >= 0 ? sigma : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "must be non-negative");
    public double Mu { get; } = mu;

    public string Name => "gaussian";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forged = new float[context.Byzantine][];
        for (int k = 0; k < forged.Length; k++)
        {
            var x = forged[k] = new float[context.Honest.Length];
            for (int j = 0; j < x.Length; j++) x[j] = (float)(Mu + Sigma * context.Random.NextGaussian());
        }
        return forged;
    }
}
