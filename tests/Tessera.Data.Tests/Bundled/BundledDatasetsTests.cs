using Tessera.Data.Bundled;
using Tessera.Data.Sources;

namespace Tessera.Data.Tests.Bundled;

/// <summary>Each bundled set, loaded from the packages scripts/fetch-deps.sh installs (the test command runs it first).</summary>
public class BundledDatasetsTests
{
    [Fact]
    public void FashionMnistIsSixtyThousandTrainingAndTenThousandTestImages()
    {
        var train = BundledDatasets.LoadDetailed(BundledDatasets.FashionMnist, DataSplit.Train, [1, 28, 28]);
        var test = BundledDatasets.Load(BundledDatasets.FashionMnist, DataSplit.Test, [784]);
        Assert.Equal(60_000, train.Data.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], train.Data.SampleShape);
        Assert.Equal([784], test.SampleShape);
        Assert.Equal("Ankle boot", train.ClassNames![9]);
        // Stratified: 6,000 and 1,000 of every class; interleaved, so the first samples are not all one class.
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, train.Data.Labels!.Count(l => l == c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels!.Count(l => l == c)));
        Assert.True(train.Data.Labels!.Take(100).Distinct().Count() > 5);
        Assert.InRange(train.Data.Features.Average(), 0.2, 0.4); // Fashion-MNIST's mean pixel is about 0.29
        Assert.Equal(1f, train.Data.Features.Max());
    }

    [Fact]
    public void FashionMnistSplitsShareNoImageAndRepeatExactly()
    {
        var train = BundledDatasets.Load(BundledDatasets.FashionMnist, DataSplit.Train);
        var test = BundledDatasets.Load(BundledDatasets.FashionMnist, DataSplit.Test);
        static string Key(Dataset d, int i) => Convert.ToBase64String(d.Sample(i).ToArray().Select(v => (byte)MathF.Round(v * 255)).ToArray());
        var trainKeys = Enumerable.Range(0, train.Count).Select(i => Key(train, i)).ToHashSet();
        Assert.True(Enumerable.Range(0, 2000).Count(i => trainKeys.Contains(Key(test, i))) < 5); // the source has a few duplicate images
        Assert.Equal(train.Labels!, BundledDatasets.Load(BundledDatasets.FashionMnist, DataSplit.Train).Labels!);
    }

    [Fact]
    public void IrisIsAFourFeatureThreeClassCsvTaskSplitEightyTwenty()
    {
        var train = BundledDatasets.LoadDetailed(BundledDatasets.Iris, DataSplit.Train, [4]);
        var test = BundledDatasets.LoadDetailed(BundledDatasets.Iris, DataSplit.Test, [4]);
        Assert.Equal(120, train.Data.Count);
        Assert.Equal(30, test.Data.Count);
        Assert.Equal(["setosa", "versicolor", "virginica"], train.ClassNames!);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], train.FeatureNames!);
        Assert.Equal(3, train.Data.ClassCount);
        Assert.Equal(150, train.Data.Labels!.Concat(test.Data.Labels!).Count());
        Assert.All(Enumerable.Range(0, 3), c => Assert.Equal(50, train.Data.Labels!.Concat(test.Data.Labels!).Count(l => l == c)));
        Assert.InRange(train.Data.Features.Max(), 7.0f, 8.0f); // longest sepal 7.9 cm
        var ex = Assert.Throws<DatasetFormatException>(() => BundledDatasets.Load(BundledDatasets.Iris, DataSplit.Train, [784]));
        Assert.Equal("bundled data set 'iris': the samples has sample shape [4] but the model takes [784]", ex.Message);
    }

    [Fact]
    public void SpamAssassinHamIsNextCharacterWindowsOverPrintableAscii()
    {
        var train = BundledDatasets.LoadDetailed(BundledDatasets.SpamAssassinHam, DataSplit.Train, [32]);
        var test = BundledDatasets.Load(BundledDatasets.SpamAssassinHam, DataSplit.Test, [32]);
        var d = train.Data;
        Assert.Equal([32], d.SampleShape);
        Assert.Equal([32], d.LabelShape);
        Assert.Equal(96, d.ClassCount);
        Assert.InRange(d.Count, 100_000, 200_000);
        Assert.InRange(test.Count, 20_000, 60_000);
        // Labels are the features shifted by one within each window.
        for (int w = 0; w < 50; w++)
            for (int t = 0; t < 31; t++)
                Assert.Equal((long)d.Sample(w)[t + 1], d.SampleLabels(w)[t]);
        string text = string.Concat(d.Sample(0).ToArray().Select(v => train.Vocabulary!.Decode((int)v)));
        Assert.DoesNotContain("Received:", text); // headers are dropped
        Assert.Equal([64], BundledDatasets.Load(BundledDatasets.SpamAssassinHam, DataSplit.Test, [64]).SampleShape);
    }

    [Fact]
    public void MnistComesFromTheMnistDataPackageInBothLayouts()
    {
        var train = BundledDatasets.Load(BundledDatasets.Mnist, DataSplit.Train, [784]);
        var test = BundledDatasets.Load(BundledDatasets.Mnist, DataSplit.Test, [1, 28, 28]);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([784], train.SampleShape);
        Assert.Equal([1, 28, 28], test.SampleShape);
    }

    [Fact]
    public void UnknownNamesListTheBundledSets()
    {
        var ex = Assert.Throws<ArgumentException>(() => BundledDatasets.Load("cifar10", DataSplit.Train));
        Assert.Contains("mnist, fashion-mnist, iris, spam-assassin-ham", ex.Message);
    }
}
