namespace Tessera.Data.Batching;

/// <summary>
/// Every sample exactly once, in fixed-size batches. The last batch is padded with zero features and
/// label 0 (every label of a padded sample); <see cref="ValidCounts"/> says how many leading rows of each batch are real, so metrics can
/// ignore the padding and stay exact.
/// </summary>
public sealed record EvaluationBatches(
    int BatchCount,
    int BatchSize,
    IReadOnlyList<int> SampleShape,
    float[] X,
    long[]? Y,
    float[]? Targets,
    int[] ValidCounts)
{
    public int SampleCount => ValidCounts.Sum();
}
