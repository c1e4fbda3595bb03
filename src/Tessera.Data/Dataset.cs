namespace Tessera.Data;

/// <summary>
/// N samples of float features sharing one per-sample shape, stored row-major in one array, with class
/// labels and/or float regression targets. A sample carries one class label, or <see cref="LabelSize"/> of them
/// (e.g. the next token at each position of a text window) when <see cref="LabelShape"/> is not [].
/// Token models take their token ids as float features (exact up to 2^24), converted to int64 at the graph.
/// The arrays are owned by the data set: callers must not mutate them.
/// </summary>
public sealed class Dataset
{
    public float[] Features { get; }
    public IReadOnlyList<int> SampleShape { get; }
    /// <summary>Elements per sample (product of <see cref="SampleShape"/>).</summary>
    public int SampleSize { get; }
    public int Count { get; }

    /// <summary>Class indices, <see cref="LabelSize"/> per sample, in [0, <see cref="ClassCount"/>); null for pure regression sets.</summary>
    public long[]? Labels { get; }
    public int ClassCount { get; }
    /// <summary>Per-sample shape of the labels: [] (the default) for one label per sample.</summary>
    public IReadOnlyList<int> LabelShape { get; }
    /// <summary>Labels per sample (product of <see cref="LabelShape"/>; 1 for []).</summary>
    public int LabelSize { get; }

    /// <summary>Regression targets, row-major with <see cref="TargetShape"/> per sample; null when absent.</summary>
    public float[]? Targets { get; }
    public IReadOnlyList<int> TargetShape { get; }
    public int TargetSize { get; }

    public Dataset(float[] features, IReadOnlyList<int> sampleShape, long[]? labels, int classCount,
        float[]? targets = null, IReadOnlyList<int>? targetShape = null, IReadOnlyList<int>? labelShape = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (labels is null && targets is null)
            throw new ArgumentException("a data set needs labels, targets or both");
        SampleShape = Array.AsReadOnly(sampleShape.ToArray());
        SampleSize = ShapeSize(SampleShape, nameof(sampleShape));
        if (features.Length % SampleSize != 0)
            throw new ArgumentException($"{features.Length} features is not a multiple of the sample size {SampleSize}", nameof(features));
        Features = features;
        Count = features.Length / SampleSize;

        LabelShape = Array.AsReadOnly((labels is null ? [] : labelShape ?? []).ToArray());
        LabelSize = ShapeSize(LabelShape, nameof(labelShape));
        if (labels is not null)
        {
            if (labels.Length != (long)Count * LabelSize)
                throw new ArgumentException($"{labels.Length} labels for {Count} samples of {LabelSize} labels", nameof(labels));
            if (classCount <= 0)
                throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "labelled data needs a positive class count");
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] < 0 || labels[i] >= classCount)
                    throw new ArgumentException($"label {labels[i]} of sample {i / LabelSize} is outside [0, {classCount})", nameof(labels));
        }
        Labels = labels;
        ClassCount = labels is null ? 0 : classCount;

        TargetShape = Array.AsReadOnly((targetShape ?? (targets is null ? [] : [1])).ToArray());
        TargetSize = targets is null ? 0 : ShapeSize(TargetShape, nameof(targetShape));
        if (targets is not null && targets.Length != (long)Count * TargetSize)
            throw new ArgumentException($"{targets.Length} target values for {Count} samples of size {TargetSize}", nameof(targets));
        Targets = targets;
    }

    public static Dataset ForClassification(float[] features, IReadOnlyList<int> sampleShape, long[] labels, int classCount) =>
        new(features, sampleShape, labels, classCount);

    /// <summary>Token windows: features are <paramref name="length"/> token ids per sample, labels the next token at each position.</summary>
    public static Dataset ForSequences(float[] tokens, int length, long[] nextTokens, int vocabulary) =>
        new(tokens, [length], nextTokens, vocabulary, labelShape: [length]);

    public static Dataset ForRegression(float[] features, IReadOnlyList<int> sampleShape, float[] targets, IReadOnlyList<int>? targetShape = null) =>
        new(features, sampleShape, null, 0, targets, targetShape ?? [1]);

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Features.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>The labels of sample <paramref name="index"/> (one, or <see cref="LabelSize"/>); empty for regression sets.</summary>
    public ReadOnlySpan<long> SampleLabels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Labels is null ? [] : Labels.AsSpan(index * LabelSize, LabelSize);
    }

    /// <summary>The same samples viewed with another per-sample shape of equal size (no copy).</summary>
    public Dataset WithSampleShape(IReadOnlyList<int> sampleShape) =>
        new(Features, sampleShape, Labels, ClassCount, Targets, Targets is null ? null : TargetShape, LabelShape);

    /// <summary>A new data set of the given samples, in the given order (repeats allowed).</summary>
    public Dataset Select(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var features = new float[(long)indices.Length * SampleSize];
        long[]? labels = Labels is null ? null : new long[(long)indices.Length * LabelSize];
        float[]? targets = Targets is null ? null : new float[(long)indices.Length * TargetSize];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"index at position {k} is outside [0, {Count})");
            Features.AsSpan(i * SampleSize, SampleSize).CopyTo(features.AsSpan(k * SampleSize));
            if (labels is not null) Labels!.AsSpan(i * LabelSize, LabelSize).CopyTo(labels.AsSpan(k * LabelSize));
            if (targets is not null) Targets!.AsSpan(i * TargetSize, TargetSize).CopyTo(targets.AsSpan(k * TargetSize));
        }
        return new Dataset(features, SampleShape, labels, ClassCount, targets, Targets is null ? null : TargetShape, LabelShape);
    }

    private static int ShapeSize(IReadOnlyList<int> shape, string paramName)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d <= 0)
                throw new ArgumentException($"shape dimension {d} must be positive", paramName);
            size *= d;
            if (size > int.MaxValue)
                throw new ArgumentException("shape is too large", paramName);
        }
        return (int)size;
    }
}
