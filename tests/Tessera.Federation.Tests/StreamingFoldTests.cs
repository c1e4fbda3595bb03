using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class StreamingFoldTests
{
    private const int Length = 1000;

    private static (ClientUpdate[] Updates, double[] BatchMean) MakeRound(int clients, int seed)
    {
        var rng = new Random(seed);
        var updates = Enumerable.Range(0, clients)
            .Select(i => Updates.Of($"client-{i}", Updates.Random(rng, Length), samples: rng.Next(1, 5000)))
            .ToArray();
        // Reference: all updates held at once, summed in double.
        var mean = new double[Length];
        double total = updates.Sum(u => (double)u.SampleCount);
        foreach (var u in updates)
            for (int j = 0; j < Length; j++)
                mean[j] += u.SampleCount * (double)u.Delta[j] / total;
        return (updates, mean);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Any_fold_order_matches_the_batch_mean(int seed)
    {
        var (updates, batchMean) = MakeRound(25, seed);
        var order = (ClientUpdate[])updates.Clone();
        new Random(seed + 100).Shuffle(order);

        var agg = RoundAggregator.SampleWeighted(1, Length);
        foreach (var u in order)
            agg.Fold(u);

        Approx.Equal(batchMean, agg.Finish().Delta, 1e-5);
    }

    [Fact]
    public void Concurrent_folds_match_the_batch_mean()
    {
        var (updates, batchMean) = MakeRound(64, 9);
        var agg = new FedAvg().BeginRound(1, GlobalModel.Initial(new float[Length]));

        Parallel.ForEach(updates, new ParallelOptions { MaxDegreeOfParallelism = 8 }, agg.Fold);

        Assert.Equal(64, agg.Count);
        Approx.Equal(batchMean, agg.Finish().Delta, 1e-5);
    }

    [Fact]
    public void Finished_round_accepts_no_more_updates_and_cannot_finish_twice()
    {
        var agg = RoundAggregator.SampleWeighted(4, 2);
        agg.Fold(Updates.Of("a", [1f, 1f]));
        agg.Finish();

        Assert.Throws<InvalidOperationException>(() => agg.Fold(Updates.Of("b", [1f, 1f])));
        Assert.Throws<InvalidOperationException>(() => agg.Finish());
    }

    [Fact]
    public void Empty_round_cannot_finish()
    {
        var agg = RoundAggregator.SampleWeighted(1, 2);
        Assert.Throws<InvalidOperationException>(() => agg.Finish());
    }
}
