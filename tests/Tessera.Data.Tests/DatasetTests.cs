namespace Tessera.Data.Tests;

public class DatasetTests
{
    private static Dataset Small() => Dataset.ForClassification(
        [0, 1, 10, 11, 20, 21, 30, 31], [2], [0, 1, 2, 0], 3);

    [Fact]
    public void CountAndShapeFollowFeatures()
    {
        var d = Small();
        Assert.Equal(4, d.Count);
        Assert.Equal(2, d.SampleSize);
        Assert.Equal([2], d.SampleShape);
        Assert.Equal([20f, 21f], d.Sample(2).ToArray());
    }

    [Fact]
    public void SelectKeepsFeatureLabelPairsInGivenOrder()
    {
        var s = Small().Select([3, 1, 1]);
        Assert.Equal(3, s.Count);
        Assert.Equal([30f, 31, 10, 11, 10, 11], s.Features);
        Assert.Equal([0L, 1, 1], s.Labels!);
        Assert.Equal(3, s.ClassCount);
    }

    [Fact]
    public void SelectCarriesRegressionTargets()
    {
        var d = Dataset.ForRegression([1, 2, 3], [1], [10, 20, 30]);
        var s = d.Select([2, 0]);
        Assert.Null(s.Labels);
        Assert.Equal([30f, 10f], s.Targets!);
        Assert.Equal([1], s.TargetShape);
    }

    [Fact]
    public void RejectsInconsistentInputs()
    {
        Assert.Throws<ArgumentException>(() => Dataset.ForClassification([1, 2, 3], [2], [0], 1));
        Assert.Throws<ArgumentException>(() => Dataset.ForClassification([1, 2], [2], [0, 1], 2));
        Assert.Throws<ArgumentException>(() => Dataset.ForClassification([1, 2], [2], [3], 2));
        Assert.Throws<ArgumentException>(() => Dataset.ForRegression([1, 2], [1], [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Small().Select([4]));
    }

    [Fact]
    public void SequenceSamplesCarryOneLabelPerPosition()
    {
        // Two windows of three tokens; labels are the next tokens.
        var d = Dataset.ForSequences([0, 1, 2, 3, 4, 5], 3, [1, 2, 3, 4, 5, 0], 6);
        Assert.Equal(2, d.Count);
        Assert.Equal([3], d.LabelShape);
        Assert.Equal(3, d.LabelSize);
        Assert.Equal([4L, 5, 0], d.SampleLabels(1).ToArray());
        var s = d.Select([1, 1, 0]);
        Assert.Equal([4L, 5, 0, 4, 5, 0, 1, 2, 3], s.Labels!);
        Assert.Equal([3], s.LabelShape);
        Assert.Throws<ArgumentException>(() => Dataset.ForSequences([0, 1, 2, 3, 4, 5], 3, [1, 2, 3], 6));
    }

    [Fact]
    public void SingleLabelSetsKeepAnEmptyLabelShape()
    {
        Assert.Equal([], Small().LabelShape);
        Assert.Equal(1, Small().LabelSize);
        Assert.Equal([2L], Small().SampleLabels(2).ToArray());
    }

    [Fact]
    public void WithSampleShapeKeepsValuesAndRejectsOtherSizes()
    {
        var d = Small().WithSampleShape([1, 2]);
        Assert.Equal([1, 2], d.SampleShape);
        Assert.Equal(Small().Features, d.Features);
        Assert.Throws<ArgumentException>(() => Small().WithSampleShape([3]));
    }
}
