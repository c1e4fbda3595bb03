using System.Numerics.Tensors;
using Tessera.Federation.Robust;

namespace Tessera.Federation.Attacks;

/// <summary>
/// Mimic (Karimireddy, He &amp; Jaggi, ICLR 2022): every attacker copies one honest update, over-weighting that client's
/// data, which heterogeneity makes hard to detect. The copied client is <see cref="Worker"/> when fixed; otherwise the
/// one furthest along the round's direction of largest variance (its top principal component, by power iteration
/// from a seeded start). The paper learns that direction online across rounds; a per-round estimate keeps the attack
/// pure, at the price of a noisier choice.
/// </summary>
public sealed class Mimic(int? worker = null, int powerIterations = 20) : IAttack
{
    public int? Worker { get; } = worker is null or >= 0 ? worker : throw new ArgumentOutOfRangeException(nameof(worker), worker, "must be non-negative");

    public string Name => "mimic";

    public float[][] Forge(AttackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int chosen = Worker is { } w ? w % context.Honest.Count : MostVaried(context.Honest, context.Random, powerIterations);
        return context.Copies(context.Honest[chosen].ToArray());
    }

    /// <summary>The honest update with the largest |⟨x_i − mean, v⟩| for v the top principal direction.</summary>
    public static int MostVaried(IUpdateSet honest, Tessera.Data.DeterministicRandom random, int iterations = 20)
    {
        ArgumentNullException.ThrowIfNull(honest);
        ArgumentNullException.ThrowIfNull(random);
        var mean = HonestMoments.Mean(honest);
        int n = honest.Count, d = honest.Length;
        var deviations = new float[n][];
        for (int i = 0; i < n; i++)
        {
            deviations[i] = new float[d];
            TensorPrimitives.Subtract(honest[i], mean, deviations[i]);
        }
        var v = new float[d];
        for (int j = 0; j < d; j++) v[j] = (float)random.NextGaussian();
        var next = new float[d];
        for (int it = 0; it < iterations; it++)
        {
            Array.Clear(next);
            foreach (var dev in deviations) TensorPrimitives.MultiplyAdd(dev, TensorPrimitives.Dot(dev, v), next, next);
            float norm = TensorPrimitives.Norm(next);
            if (norm == 0) break;   // identical updates: any one is as good
            TensorPrimitives.Divide(next, norm, v);
        }
        int best = 0;
        float bestScore = -1;
        for (int i = 0; i < n; i++)
        {
            float score = MathF.Abs(TensorPrimitives.Dot(deviations[i], v));
            if (score > bestScore) (best, bestScore) = (i, score);
        }
        return best;
    }
}
