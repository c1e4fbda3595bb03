namespace Tessera.Data;

/// <summary>Small, seeded data sets for tests and demos; identical output for identical arguments.</summary>
public static class SyntheticData
{
    /// <summary>
    /// Gaussian blobs: class centres drawn N(0, separation²) per coordinate, samples = centre + N(0, spread²).
    /// Labels cycle 0,1,..,classes-1 so classes are balanced; features have shape [dim].
    /// </summary>
    public static Dataset GaussianBlobs(int count, int classes, int dim, ulong seed, float separation = 4f, float spread = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        var rng = new DeterministicRandom(seed);
        var centres = new double[classes * dim];
        for (int i = 0; i < centres.Length; i++) centres[i] = rng.NextGaussian() * separation;
        var features = new float[count * dim];
        var labels = new long[count];
        for (int s = 0; s < count; s++)
        {
            int c = s % classes;
            labels[s] = c;
            for (int j = 0; j < dim; j++)
                features[s * dim + j] = (float)(centres[c * dim + j] + rng.NextGaussian() * spread);
        }
        return Dataset.ForClassification(features, [dim], labels, classes);
    }

    /// <summary>
    /// y = w·x + b + N(0, noise²) with x ~ N(0, 1) per coordinate and w ~ N(0, 1), b ~ N(0, 1); the true
    /// parameters are returned so tests can check a fit.
    /// </summary>
    public static LinearRegressionSet LinearRegression(int count, int dim, ulong seed, float noise = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        var rng = new DeterministicRandom(seed);
        var weights = new float[dim];
        for (int j = 0; j < dim; j++) weights[j] = (float)rng.NextGaussian();
        float bias = (float)rng.NextGaussian();
        var features = new float[count * dim];
        var targets = new float[count];
        for (int s = 0; s < count; s++)
        {
            double y = bias;
            for (int j = 0; j < dim; j++)
            {
                float x = (float)rng.NextGaussian();
                features[s * dim + j] = x;
                y += weights[j] * x;
            }
            targets[s] = (float)(y + rng.NextGaussian() * noise);
        }
        return new LinearRegressionSet(Dataset.ForRegression(features, [dim], targets, [1]), weights, bias);
    }
}

/// <summary>A synthetic regression set with the parameters that generated it.</summary>
public sealed record LinearRegressionSet(Dataset Data, float[] Weights, float Bias);
