namespace Tessera.Runtime;

/// <summary>
/// K batches for one artifact call: inputs X[K,B,...] (float features or int64 tokens) and labels Y[K,B,...]
/// (int64 class indices or float targets), as flat row-major arrays.
/// </summary>
public sealed record BatchData
{
    public float[]? Features { get; init; }
    public long[]? Tokens { get; init; }
    public long[]? Labels { get; init; }
    public float[]? Targets { get; init; }
    public required int Steps { get; init; }

    public static BatchData Classification(float[] x, long[] y, int steps) => new() { Features = x, Labels = y, Steps = steps };
    public static BatchData Sequence(long[] tokens, long[] next, int steps) => new() { Tokens = tokens, Labels = next, Steps = steps };
    public static BatchData Regression(float[] x, float[] y, int steps) => new() { Features = x, Targets = y, Steps = steps };
}

/// <summary>Per-step (training) or per-batch (evaluation) mean loss and correct-prediction count.</summary>
public sealed record StepTrace(float[] Losses, float[] Correct)
{
    public float MeanLoss => Losses.Length == 0 ? float.NaN : Losses.Average();
}
