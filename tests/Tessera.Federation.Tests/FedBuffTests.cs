using Tessera.Federation.Async;
using Tessera.Federation.Strategies;

namespace Tessera.Federation.Tests;

public class FedBuffTests
{
    private static FedBuffAggregator Make(int bufferSize, long? maxStaleness = null) =>
        new(new FedAvg(), GlobalModel.Initial([0f]), bufferSize, maxStaleness: maxStaleness);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(8, 1.0 / 3)]
    public void Staleness_weight_is_inverse_sqrt(long tau, double expected)
    {
        Assert.Equal(expected, Staleness.InverseSqrt(tau), 12);
    }

    [Fact]
    public void Buffer_applies_after_K_updates_with_staleness_weights()
    {
        var buff = Make(bufferSize: 3);

        Assert.False(buff.Fold(Updates.Of("a", [1f], baseVersion: 0)));
        Assert.False(buff.Fold(Updates.Of("b", [2f], baseVersion: 0)));
        Assert.Equal(2, buff.Buffered);
        Assert.Equal(0, buff.Current.Version);
        Assert.True(buff.Fold(Updates.Of("c", [3f], baseVersion: 0)));

        // All fresh: x = (1 + 2 + 3)/3
        Assert.Equal(1, buff.Current.Version);
        Approx.Equal([2.0], buff.Current.Weights, 1e-6);
        Assert.Equal(0, buff.Buffered);

        // Two uploads trained from version 0 are now 1 stale (weight 1/√2); one is fresh.
        Assert.False(buff.Fold(Updates.Of("d", [4f], baseVersion: 0)));
        Assert.False(buff.Fold(Updates.Of("a", [1f], baseVersion: 1)));
        Assert.True(buff.Fold(Updates.Of("e", [2f], baseVersion: 0)));

        double expected = 2 + (4 / Math.Sqrt(2) + 1 + 2 / Math.Sqrt(2)) / 3;
        Approx.Equal([expected], buff.Current.Weights, 1e-5);
        Assert.Equal(2, buff.Current.Version);
    }

    [Fact]
    public void Replayed_or_future_or_too_stale_uploads_are_rejected_without_effect()
    {
        var buff = Make(bufferSize: 2, maxStaleness: 1);
        buff.Fold(Updates.Of("a", [1f]));
        buff.Fold(Updates.Of("b", [1f])); // applies → version 1
        buff.Fold(Updates.Of("c", [1f], baseVersion: 1));
        buff.Fold(Updates.Of("d", [1f], baseVersion: 1)); // applies → version 2

        Assert.Throws<InvalidUpdateException>(() => buff.Fold(Updates.Of("a", [5f], baseVersion: 0))); // replay and too stale
        Assert.Throws<InvalidUpdateException>(() => buff.Fold(Updates.Of("c", [5f], baseVersion: 1))); // replay of version 1
        Assert.Throws<InvalidUpdateException>(() => buff.Fold(Updates.Of("x", [5f], baseVersion: 0))); // staleness 2 > 1
        Assert.Throws<InvalidUpdateException>(() => buff.Fold(Updates.Of("y", [5f], baseVersion: 3))); // from the future
        Assert.Throws<InvalidUpdateException>(() => buff.Fold(Updates.Of("z", [float.NaN], baseVersion: 2)));

        Assert.Equal(0, buff.Buffered);
        Assert.Equal(2, buff.Current.Version);
        Assert.False(buff.Fold(Updates.Of("c", [5f], baseVersion: 2))); // newer base: accepted
    }

    [Fact]
    public void Composes_with_an_adaptive_server_optimizer()
    {
        var buff = new FedBuffAggregator(new FedAdam(serverLearningRate: 0.1f), GlobalModel.Initial([0f]), bufferSize: 1);
        Assert.True(buff.Fold(Updates.Of("a", [1f])));
        Assert.NotNull(buff.Current.State.Get(AdaptiveStrategy.SecondMomentKey));
        Assert.True(buff.Current.Weights[0] > 0);
    }

    [Fact]
    public void Concurrent_uploads_apply_exactly_once_per_K()
    {
        var buff = Make(bufferSize: 10);
        int applied = 0;
        Parallel.For(0, 100, i =>
        {
            if (buff.Fold(Updates.Of($"c{i}", [1f], baseVersion: 0)))
                Interlocked.Increment(ref applied);
        });
        Assert.Equal(10, applied);
        Assert.Equal(10, buff.Current.Version);
    }
}
