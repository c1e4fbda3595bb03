using Tessera.Data.Batching;

namespace Tessera.Data.Tests;

public class BatcherTests
{
    /// <summary>Sample i has features [i, -i] and label i % 3, so a batch slot reveals which sample filled it.</summary>
    private static Dataset Indexed(int n) => Dataset.ForClassification(
        Enumerable.Range(0, n).SelectMany(i => new[] { (float)i, -i }).ToArray(), [2],
        Enumerable.Range(0, n).Select(i => (long)(i % 3)).ToArray(), 3);

    [Fact]
    public void EachEpochIsAShuffledPassThatDropsThePartialBatch()
    {
        var data = Indexed(10);
        var t = Batcher.ForTraining(data, batchSize: 3, epochs: 2, seed: 7);
        Assert.Equal(6, t.Steps); // 3 full batches per epoch, 1 sample dropped each epoch
        Assert.Equal(18 * 2, t.X.Length);
        Assert.Equal(18, t.Y!.Length);
        for (int e = 0; e < 2; e++)
        {
            var epoch = t.SampleIndices.Skip(9 * e).Take(9).ToArray();
            Assert.Equal(9, epoch.Distinct().Count());
        }
        Assert.NotEqual(t.SampleIndices.Take(9), t.SampleIndices.Skip(9).Take(9)); // reshuffled
        Assert.NotEqual(Enumerable.Range(0, 9), t.SampleIndices.Take(9));
        for (int slot = 0; slot < 18; slot++)
        {
            int i = t.SampleIndices[slot];
            Assert.Equal(i, (int)t.X[2 * slot]);
            Assert.Equal(-i, (int)t.X[2 * slot + 1]);
            Assert.Equal(i % 3, t.Y[slot]);
        }
    }

    [Fact]
    public void SameSeedSameBatches()
    {
        var data = Indexed(20);
        Assert.Equal(Batcher.ForTraining(data, 4, 3, 1).X, Batcher.ForTraining(data, 4, 3, 1).X);
        Assert.NotEqual(Batcher.ForTraining(data, 4, 3, 1).X, Batcher.ForTraining(data, 4, 3, 2).X);
    }

    [Fact]
    public void SubsetSmallerThanBatchWrapsAround()
    {
        var data = Indexed(50);
        int[] subset = [40, 41, 42];
        var t = Batcher.ForTraining(data, batchSize: 8, epochs: 2, seed: 3, indices: subset);
        Assert.Equal(2, t.Steps);
        Assert.All(t.SampleIndices, i => Assert.Contains(i, subset));
        var firstBatch = t.SampleIndices.Take(8).ToArray();
        // Wraparound repeats the shuffled order: slot k and slot k+3 hold the same sample.
        for (int k = 0; k + 3 < 8; k++) Assert.Equal(firstBatch[k], firstBatch[k + 3]);
        Assert.Equal(3, firstBatch.Distinct().Count());
    }

    [Fact]
    public void TrainingCarriesRegressionTargets()
    {
        var set = SyntheticData.LinearRegression(12, 2, seed: 1);
        var t = Batcher.ForTraining(set.Data, 4, 1, seed: 2);
        Assert.Null(t.Y);
        Assert.Equal(12, t.Targets!.Length);
        for (int slot = 0; slot < 12; slot++)
            Assert.Equal(set.Data.Targets![t.SampleIndices[slot]], t.Targets[slot]);
    }

    [Fact]
    public void EvaluationCoversEverySampleOnceAndPadsTheLastBatch()
    {
        var data = Indexed(10);
        var e = Batcher.ForEvaluation(data, batchSize: 4);
        Assert.Equal(3, e.BatchCount);
        Assert.Equal([4, 4, 2], e.ValidCounts);
        Assert.Equal(10, e.SampleCount);
        Assert.Equal(12 * 2, e.X.Length);
        Assert.Equal(12, e.Y!.Length);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i, (int)e.X[2 * i]);
            Assert.Equal(i % 3, e.Y[i]);
        }
        Assert.All(e.X.Skip(20), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EvaluationOfSubsetAndExactMultiple()
    {
        var e = Batcher.ForEvaluation(Indexed(10), batchSize: 2, indices: [9, 3, 5, 1]);
        Assert.Equal([2, 2], e.ValidCounts);
        Assert.Equal([9f, -9, 3, -3, 5, -5, 1, -1], e.X);
    }

    [Fact]
    public void RejectsEmptyOrInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => Batcher.ForTraining(Indexed(5), 2, 1, 0, indices: []));
        Assert.Throws<ArgumentOutOfRangeException>(() => Batcher.ForTraining(Indexed(5), 0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Batcher.ForEvaluation(Indexed(5), 0));
    }

    [Fact]
    public void SequenceBatchesCarryEveryLabelOfEachSample()
    {
        // Sample i is the window [2i, 2i+1] with next tokens [2i+1, 2i+2].
        var data = Dataset.ForSequences([0, 1, 2, 3, 4, 5], 2, [1, 2, 3, 4, 5, 6], 7);
        var t = Batcher.ForTraining(data, batchSize: 2, epochs: 1, seed: 3);
        for (int slot = 0; slot < 2; slot++)
        {
            int i = t.SampleIndices[slot];
            Assert.Equal([2L * i + 1, 2L * i + 2], t.Y!.Skip(2 * slot).Take(2));
        }
        var e = Batcher.ForEvaluation(data, batchSize: 2);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 0, 0], e.Y!);
        Assert.Equal([2, 1], e.ValidCounts);
    }
}
