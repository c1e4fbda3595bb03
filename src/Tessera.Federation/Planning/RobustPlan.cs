using Tessera.Federation.Robust;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>Maps `strategy.aggregator` onto the robust stage (aggregator, pre-aggregation steps, client momentum); the parser has checked the combination.</summary>
public static class RobustPlan
{
    /// <summary>The pipeline, or null for the plain mean (the streaming aggregator then needs no cohort buffered).</summary>
    /// <param name="momenta">Where client momenta live between rounds; in memory unless the caller persists them.</param>
    public static RobustPipeline? Create(AggregatorSpec spec, ulong jobSeed, IClientMomentumStore? momenta = null, int blockFloats = CoordinateBlocks.DefaultFloats)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.IsPlainMean) return null;
        int f = spec.Byzantine;
        IAggregator aggregator = spec.Name switch
        {
            AggregatorSpec.Mean => new MeanAggregator(),
            AggregatorSpec.Median => new MedianAggregator(blockFloats),
            AggregatorSpec.TrimmedMean => new TrimmedMeanAggregator(spec.F, spec.Beta ?? AggregatorSpec.DefaultTrim, blockFloats),
            AggregatorSpec.Krum => new KrumAggregator(f, 1, blockFloats),
            AggregatorSpec.MultiKrum => new KrumAggregator(f, spec.M, blockFloats),
            AggregatorSpec.Bulyan => new BulyanAggregator(f, blockFloats),
            AggregatorSpec.GeoMed => new GeometricMedianAggregator(spec.Iterations ?? AggregatorSpec.DefaultIterations, spec.Nu ?? AggregatorSpec.DefaultNu, blockFloats),
            AggregatorSpec.CenteredClip => new CenteredClipAggregator(spec.AdaptiveTau ? null : spec.Tau ?? AggregatorSpec.DefaultTau, spec.Iterations ?? AggregatorSpec.DefaultCenteredClipIterations, blockFloats),
            AggregatorSpec.NormBound => new NormBoundAggregator(spec.Bound),
            var name => throw new JobSpecException("strategy.aggregator", $"'{name}' is not a known aggregator"),
        };
        var pre = spec.Pre.Select(p => p.Name switch
        {
            PreAggregationSpec.Nnm => (IPreAggregator)new NearestNeighborMixing(f, blockFloats),
            PreAggregationSpec.Bucketing => new Bucketing(p.BucketSize ?? PreAggregationSpec.DefaultBucketSize),
            PreAggregationSpec.Arc => new AdaptiveRobustClipping(f),
            var name => throw new JobSpecException("strategy.aggregator.pre", $"'{name}' is not a known step"),
        }).ToArray();
        var momentum = spec.Momentum is { } beta ? new ClientMomentum(beta, momenta ?? new InMemoryClientMomentumStore()) : null;
        return new RobustPipeline(aggregator, pre, momentum, SeedMixer.Derive(jobSeed, SeedMixer.RobustMixing));
    }
}
