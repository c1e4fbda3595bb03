namespace Tessera.Data.Batching;

/// <summary>
/// Lays out a data set (or a client's subset) as batches for the training and evaluation calls.
/// Training: each epoch reshuffles under the seed and yields floor(n/B) full batches; the partial batch at
/// the end of an epoch is dropped so every step has exactly B distinct samples (a fixed graph batch size and
/// an unbiased per-step gradient scale). A subset smaller than B instead yields one batch per epoch that wraps
/// around its shuffled order, so tiny clients still train.
/// </summary>
public static class Batcher
{
    public static int StepsPerEpoch(int sampleCount, int batchSize)
    {
        Check(sampleCount, batchSize);
        return sampleCount < batchSize ? 1 : sampleCount / batchSize;
    }

    /// <summary>Positions 0..sampleCount-1 in training order, Steps*B long, following the rules above.</summary>
    public static int[] TrainingOrder(int sampleCount, int batchSize, int epochs, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        int perEpoch = StepsPerEpoch(sampleCount, batchSize);
        var rng = new DeterministicRandom(seed);
        var order = new int[checked(epochs * perEpoch * batchSize)];
        int k = 0;
        for (int e = 0; e < epochs; e++)
        {
            int[] perm = rng.Permutation(sampleCount);
            for (int slot = 0; slot < perEpoch * batchSize; slot++)
                order[k++] = perm[slot % sampleCount];
        }
        return order;
    }

    public static TrainingBatches ForTraining(Dataset data, int batchSize, int epochs, ulong seed, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] subset = indices ?? Enumerable.Range(0, data.Count).ToArray();
        int[] order = TrainingOrder(subset.Length, batchSize, epochs, seed);
        int[] sampleIndices = Array.ConvertAll(order, p => subset[p]);
        var batch = data.Select(sampleIndices);
        return new TrainingBatches(order.Length / batchSize, batchSize, data.SampleShape, batch.Features, batch.Labels, batch.Targets, sampleIndices);
    }

    public static EvaluationBatches ForEvaluation(Dataset data, int batchSize, int[]? indices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int[] subset = indices ?? Enumerable.Range(0, data.Count).ToArray();
        int n = subset.Length;
        int batches = (n + batchSize - 1) / batchSize;
        var valid = new int[batches];
        for (int b = 0; b < batches; b++)
            valid[b] = Math.Min(batchSize, n - b * batchSize);

        var selected = data.Select(subset);
        int slots = batches * batchSize;
        // Resizing pads with zeros: zero features, label 0, zero targets.
        float[] x = selected.Features;
        Array.Resize(ref x, slots * data.SampleSize);
        long[]? y = selected.Labels;
        if (y is not null) Array.Resize(ref y, slots * data.LabelSize);
        float[]? t = selected.Targets;
        if (t is not null) Array.Resize(ref t, slots * data.TargetSize);
        return new EvaluationBatches(batches, batchSize, data.SampleShape, x, y, t, valid);
    }

    private static void Check(int sampleCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (sampleCount <= 0)
            throw new ArgumentException("cannot make training batches from an empty data set", nameof(sampleCount));
    }
}
