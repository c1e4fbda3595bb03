namespace Tessera.Data.Bundled;

/// <summary>
/// The deterministic train/test split for data sets whose package defines none: a seeded permutation of the
/// items, the first 80% for training. The same on every machine (the project's own generator, not System.Random).
/// </summary>
public static class SeededSplit
{
    public const ulong Seed = 20_17;
    public const double TrainFraction = 0.8;

    /// <summary>Item indices of <paramref name="split"/>, in the permuted order.</summary>
    public static int[] Indices(int count, DataSplit split, ulong seed = Seed)
    {
        int[] order = new DeterministicRandom(seed).Permutation(count);
        int train = (int)Math.Round(count * TrainFraction);
        return split == DataSplit.Train ? order[..train] : order[train..];
    }
}
