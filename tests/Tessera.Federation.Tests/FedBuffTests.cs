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

    [Fact]
    public void A_masked_buffer_steps_as_K_folds_that_share_a_base_version_would()
    {
        // Three clients trained from version 0; the server is two versions on when their masked mean arrives.
        var folded = Make(bufferSize: 3);
        var masked = Make(bufferSize: 3);
        foreach (var buff in new[] { folded, masked })
            for (int v = 0; v < 2; v++)
                foreach (var c in new[] { "p", "q", "r" }) buff.Fold(Updates.Of(c, [1f], baseVersion: v));
        Assert.False(folded.Fold(Updates.Of("a", [1f], baseVersion: 0)));
        Assert.False(folded.Fold(Updates.Of("b", [2f], baseVersion: 0)));
        Assert.True(folded.Fold(Updates.Of("c", [6f], baseVersion: 0)));

        long version = masked.ApplyMaskedBuffer(new RoundAggregate(9, [3f], 3, 30), baseVersion: 0);

        Assert.Equal(3, version);
        Approx.Equal(folded.Current.Weights, masked.Current.Weights, 1e-6);
        Approx.Equal([2 + 3 / Math.Sqrt(3)], masked.Current.Weights, 1e-5);   // s(2) = 1/√3
    }

    [Fact]
    public void A_masked_buffer_too_stale_or_from_the_future_changes_nothing()
    {
        var buff = Make(bufferSize: 3, maxStaleness: 1);
        buff.ApplyMaskedBuffer(new RoundAggregate(1, [1f], 3, 3), baseVersion: 0);
        buff.ApplyMaskedBuffer(new RoundAggregate(2, [1f], 3, 3), baseVersion: 1);
        var before = buff.Current;

        Assert.Throws<InvalidUpdateException>(() => buff.ApplyMaskedBuffer(new RoundAggregate(3, [5f], 3, 3), baseVersion: 0));   // τ = 2 > 1
        Assert.Throws<InvalidUpdateException>(() => buff.ApplyMaskedBuffer(new RoundAggregate(3, [5f], 3, 3), baseVersion: 3));   // from the future
        Assert.Throws<ArgumentException>(() => buff.ApplyMaskedBuffer(new RoundAggregate(3, [5f, 1f], 3, 3), baseVersion: 2));
        Assert.Same(before, buff.Current);
    }
}
