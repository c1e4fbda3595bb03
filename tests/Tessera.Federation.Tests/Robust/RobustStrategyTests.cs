using Tessera.Federation.Personalization;
using Tessera.Federation.Planning;
using Tessera.Federation.Robust;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Tests.Robust;

/// <summary>The strategy wrapper: the cohort is validated and buffered like the streaming mean, then combined robustly.</summary>
public class RobustStrategyTests
{
    static readonly float[] Initial = new float[7];

    static RobustStrategy Median(IStrategy? inner = null) => new(inner ?? new FedAvg(), new RobustPipeline(new MedianAggregator()));

    static void FoldAll(IRoundAggregator agg, IReadOnlyList<float[]> honest, IReadOnlyList<float[]> attackers, long version = 0)
    {
        for (int i = 0; i < honest.Count; i++) agg.Fold(Updates.Of($"h{i}", honest[i], samples: 10, baseVersion: version));
        for (int i = 0; i < attackers.Count; i++) agg.Fold(Updates.Of($"a{i}", attackers[i], samples: 10, baseVersion: version));
    }

    [Fact]
    public void A_median_round_ignores_attackers_the_mean_follows()
    {
        var h = Cohorts.Honest(5);
        var strategy = Median();
        var model = strategy.Initialize(Initial);
        var agg = strategy.BeginRound(1, model);
        FoldAll(agg, h, Cohorts.Attackers(2));
        var aggregate = agg.Finish();
        Assert.Equal((1, 7, 70L), (aggregate.Round, aggregate.ClientCount, aggregate.TotalSamples));
        Cohorts.WithinHonestRange(h, aggregate.Delta);
        var next = strategy.Apply(model, aggregate);
        Assert.Equal(1, next.Version);
        Cohorts.WithinHonestRange(h, next.Weights);   // FedAvg with η = 1 from zeros: the weights are the delta
        Assert.Equal(7, strategy.LastFates.Count);
        Assert.All(strategy.LastFates.Where(f => f.ClientId.StartsWith('a')), f => Assert.True(f.Excluded));
        Assert.Equal("FedAvg+median", strategy.Name);
    }

    [Fact]
    public void Uploads_are_validated_as_in_the_streaming_round()
    {
        var strategy = Median();
        var model = strategy.Initialize(Initial) with { Version = 3 };
        var agg = strategy.BeginRound(4, model);
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("x", new float[6], baseVersion: 3)));            // length
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("x", [float.NaN, 0, 0, 0, 0, 0, 0], baseVersion: 3)));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("x", new float[7], baseVersion: 2)));            // stale base
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("x", new float[7], samples: 0, baseVersion: 3)));
        agg.Fold(Updates.Of("x", new float[7], baseVersion: 3));
        Assert.Throws<InvalidUpdateException>(() => agg.Fold(Updates.Of("x", new float[7], baseVersion: 3)));           // duplicate
        Assert.Equal(1, agg.Count);
        agg.Finish();
        Assert.Throws<InvalidOperationException>(() => agg.Fold(Updates.Of("y", new float[7], baseVersion: 3)));
        Assert.Throws<InvalidOperationException>(() => Median().BeginRound(1, GlobalModel.Initial(Initial)).Finish());   // empty
    }

    [Fact]
    public void Partial_sums_are_refused_with_a_reason()
    {
        var agg = Median().BeginRound(1, GlobalModel.Initial(Initial));
        Assert.Contains("robust aggregator", Assert.Throws<InvalidOperationException>(() => agg.TakePartial()).Message);
        var partial = RoundAggregator.SampleWeighted(1, 7).TakePartial();
        Assert.Contains("cannot be merged", Assert.Throws<InvalidOperationException>(() => agg.Merge(partial)).Message);
    }

    [Fact]
    public void The_buffer_comes_from_the_factory_and_is_disposed_after_the_round()
    {
        var factory = new CountingFactory();
        var strategy = new RobustStrategy(new FedAvg(), new RobustPipeline(new MedianAggregator()), factory);
        var agg = strategy.BeginRound(1, GlobalModel.Initial(Initial));
        FoldAll(agg, Cohorts.Honest(3), []);
        agg.Finish();
        Assert.Equal((1, 1), (factory.Created, factory.Disposed));
    }

    [Fact]
    public void Centered_clipping_starts_from_the_previous_aggregate_kept_in_server_state()
    {
        var strategy = new RobustStrategy(new FedAvgM(momentum: 0.5f), new RobustPipeline(new CenteredClipAggregator(0.05)));
        var model = strategy.Initialize(Initial);
        var h = Cohorts.Honest(5);
        var agg = strategy.BeginRound(1, model);
        FoldAll(agg, h, Cohorts.Attackers(1));
        var first = agg.Finish();
        model = strategy.Apply(model, first);
        Assert.Equal(first.Delta, model.State.Get(RobustStrategy.PreviousKey));
        Assert.NotNull(model.State.Get(FedAvgM.MomentumKey));   // the inner step's state is kept too
        // Round 2 from the kept centre: the result is within τ of round 1's aggregate.
        agg = strategy.BeginRound(2, model);
        FoldAll(agg, Cohorts.Honest(5, seed: 2), Cohorts.Attackers(1), version: 1);
        var second = agg.Finish();
        Assert.True(System.Numerics.Tensors.TensorPrimitives.Distance(second.Delta, first.Delta) <= 0.05 * (1 + 1e-5));
        // Rules without a centre keep no extra state.
        var median = Median();
        var m = median.Initialize(Initial);
        var ma = median.BeginRound(1, m);
        FoldAll(ma, h, []);
        Assert.Null(median.Apply(m, ma.Finish()).State.Get(RobustStrategy.PreviousKey));
    }

    [Fact]
    public void Fedbn_outside_the_robust_stage_still_pins_the_local_entries()
    {
        TensorSpec[] parameters = [new("fc.weight", [5]), new("bn.weight", [2])];
        var strategy = new FedBnStrategy(Median(), LocalTensors.From(parameters, ["bn.weight"]));
        var model = strategy.Initialize(Initial);
        var agg = strategy.BeginRound(1, model);
        FoldAll(agg, Cohorts.Honest(5), Cohorts.Attackers(2));
        var next = strategy.Apply(model, agg.Finish());
        Assert.Equal([0f, 0f], next.Weights[5..]);
        Cohorts.WithinHonestRange(Cohorts.Honest(5).Select(x => x[..5]).ToList(), next.Weights[..5]);
    }

    [Theory]
    [InlineData("fedavg", "FedAvg+median")]
    [InlineData("fedavgm", "FedAvgM+median")]
    [InlineData("fedadam", "FedAdam+median")]
    [InlineData("fedprox", "FedProx+median")]
    public void The_job_plan_wraps_the_server_step_when_the_aggregator_is_robust(string name, string expected)
    {
        var spec = JobSpecParser.Parse($"name: a\nstrategy: {{ name: {name}, aggregator: median }}\nclients_per_round: 5");
        var strategy = JobPlan.From(spec).CreateStrategy(10);
        Assert.Equal(expected, Assert.IsType<RobustStrategy>(strategy).Name);
        var plain = JobPlan.From(JobSpecParser.Parse($"name: a\nstrategy: {{ name: {name} }}")).CreateStrategy(10);
        Assert.IsNotType<RobustStrategy>(plain);
        var withMomentum = JobPlan.From(JobSpecParser.Parse("name: a\nstrategy: { aggregator: { momentum: 0.9, pre: [{bucketing: 2}] } }\nclients_per_round: 6")).CreateStrategy(10);
        Assert.Equal("FedAvg+momentum+bucketing+mean", withMomentum.Name);
    }

    sealed class CountingFactory : IUpdateBufferFactory
    {
        public int Created, Disposed;

        public IUpdateBuffer Create(int round, int length) { Created++; return new Counted(this, InMemoryUpdateBufferFactory.Instance.Create(round, length)); }

        sealed class Counted(CountingFactory owner, IUpdateBuffer inner) : IUpdateBuffer
        {
            public int Count => inner.Count;
            public int Length => inner.Length;
            public ReadOnlySpan<float> this[int index] => inner[index];
            public string ClientId(int index) => inner.ClientId(index);
            public double Weight(int index) => inner.Weight(index);
            public void Add(string clientId, ReadOnlySpan<float> delta, double weight) => inner.Add(clientId, delta, weight);
            public void Dispose() { owner.Disposed++; inner.Dispose(); }
        }
    }
}
