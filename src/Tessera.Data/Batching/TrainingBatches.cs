namespace Tessera.Data.Batching;

/// <summary>
/// Input for one K-step training call: K batches of B samples laid out back to back.
/// X is [K*B*sampleSize] row-major; Y is [K*B*labelSize] class labels and/or Targets is [K*B*targetSize].
/// </summary>
/// <param name="SampleIndices">Which data-set sample fills each of the K*B slots, for tracing and tests.</param>
public sealed record TrainingBatches(
    int Steps,
    int BatchSize,
    IReadOnlyList<int> SampleShape,
    float[] X,
    long[]? Y,
    float[]? Targets,
    int[] SampleIndices);
