namespace Tessera.Federation.Tests;

/// <summary>The running weighted sum: a copy leaves it live, a hand-over (a finished round's result) ends it.</summary>
public class WeightedSumTests
{
    [Fact]
    public void Taking_the_scaled_sum_hands_over_the_same_values_a_copy_gives_and_ends_the_accumulator()
    {
        var sum = new WeightedSum(3);
        sum.Add([1f, 2f, 3f], 2.0);
        sum.Add([4f, -1f, 0.5f], 1.0);
        var copy = sum.Scaled(0.5);
        Assert.Equal([3f, 1.5f, 3.25f], copy);

        var taken = sum.TakeScaled(0.5);
        Assert.Equal(copy, taken);
        Assert.Throws<InvalidOperationException>(() => sum.Add([1f, 1f, 1f], 1.0));
        Assert.Throws<InvalidOperationException>(() => sum.Scaled(1.0));
        Assert.Throws<InvalidOperationException>(() => sum.TakeScaled(1.0));
        Assert.Throws<InvalidOperationException>(() => sum.Clear());
        Assert.Equal(2, sum.Count);
    }

    [Fact]
    public void A_partial_taken_from_a_round_is_not_changed_by_the_merge_that_reads_it()
    {
        var node = RoundAggregator.SampleWeighted(1, 2);
        node.Fold(Updates.Of("a", [1f, 2f], samples: 10, steps: 1));
        var partial = node.TakePartial();
        var final = RoundAggregator.SampleWeighted(1, 2);
        final.Merge(partial);
        var aggregate = final.Finish();
        Assert.Equal([10f, 20f], partial.WeightedDeltaSum);
        Assert.Equal([1f, 2f], aggregate.Delta);
        Assert.Throws<InvalidOperationException>(() => node.Fold(Updates.Of("b", [1f, 1f], samples: 1, steps: 1)));
    }
}
