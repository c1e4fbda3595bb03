using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class RejectionTests
{
    private static IRoundAggregator FreshRound() => RoundAggregator.SampleWeighted(1, 3);

    /// <summary>Folds a good update, tries a bad one, and checks the bad one left no trace.</summary>
    private static InvalidUpdateException AssertRejectedWithoutEffect(ClientUpdate bad)
    {
        var agg = FreshRound();
        agg.Fold(Updates.Of("good", [1f, 2f, 3f], samples: 2));
        var error = Assert.Throws<InvalidUpdateException>(() => agg.Fold(bad));
        Assert.Equal(1, agg.Count);
        var result = agg.Finish();
        Approx.Equal([1.0, 2.0, 3.0], result.Delta, 0);
        Assert.Equal(2, result.TotalSamples);
        return error;
    }

    [Fact]
    public void Wrong_length_is_rejected()
    {
        var error = AssertRejectedWithoutEffect(Updates.Of("bad", [1f, 2f]));
        Assert.Contains("2 elements", error.Message);
        Assert.Equal("bad", error.ClientId);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_values_are_rejected_with_their_position(float poison)
    {
        var error = AssertRejectedWithoutEffect(Updates.Of("bad", [0f, 0f, poison]));
        Assert.Contains("element 2", error.Message);
    }

    [Fact]
    public void Non_finite_value_deep_in_a_large_vector_is_found()
    {
        var delta = new float[100_003];
        delta[99_999] = float.NaN;
        var agg = RoundAggregator.SampleWeighted(1, delta.Length);
        var error = Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("bad", delta)));
        Assert.Contains("element 99999", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Non_positive_sample_count_is_rejected(long samples)
    {
        AssertRejectedWithoutEffect(Updates.Of("bad", [9f, 9f, 9f], samples: samples));
    }

    [Fact]
    public void Non_positive_local_steps_are_rejected()
    {
        AssertRejectedWithoutEffect(Updates.Of("bad", [9f, 9f, 9f], steps: 0));
    }

    [Fact]
    public void Duplicate_client_in_a_round_is_not_counted_twice()
    {
        var error = AssertRejectedWithoutEffect(Updates.Of("good", [100f, 100f, 100f], samples: 50));
        Assert.Contains("already folded", error.Message);
    }

    [Fact]
    public void Same_client_may_return_in_the_next_round()
    {
        var first = FreshRound();
        first.Fold(Updates.Of("a", [1f, 1f, 1f]));
        var second = FreshRound();
        second.Fold(Updates.Of("a", [1f, 1f, 1f]));
        Assert.Equal(1, second.Count);
    }

    [Fact]
    public void Non_finite_control_variate_is_rejected()
    {
        var agg = new Scaffold(totalClients: 10).BeginRound(1, GlobalModel.Initial(new float[3]));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("bad", [1f, 1f, 1f], dc: [0f, float.NaN, 0f])));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("bad", [1f, 1f, 1f], dc: [0f, 0f])));
        Assert.Equal(0, agg.Count);
    }

    [Fact]
    public void Update_trained_from_another_version_is_rejected_in_a_synchronous_round()
    {
        var strategy = new FedAvg();
        var model = new GlobalModel([0f], 4, ServerState.Empty);
        var agg = strategy.BeginRound(5, model);
        var error = Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("old", [1f], baseVersion: 3)));
        Assert.Contains("version 3", error.Message);
        agg.Fold(Updates.Of("current", [1f], baseVersion: 4));
        Assert.Equal(1, agg.Count);
    }
}
