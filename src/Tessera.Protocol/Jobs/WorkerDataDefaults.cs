namespace Tessera.Protocol.Jobs;

/// <summary>
/// A job on data that stays on the workers (data.on_workers) gets a robust aggregator unless it names one: no replay
/// can check what such a worker trained on, so a user who never reads about Byzantine robustness is protected anyway
/// (docs/ROBUSTNESS.md, "Default", gives the measurements behind the choice). Jobs whose round is not a plain mean
/// (fednova, scaffold, fedbuff) and private jobs (secure aggregation, DP) keep the mean, as they must; `aggregator: mean`
/// asks for the mean explicitly.
/// </summary>
public static class WorkerDataDefaults
{
    /// <summary>
    /// Centered clipping around the previous aggregate with τ the median distance to it: it needs no f and no
    /// tuning to the update scale, and keeps FedAvg's clean accuracy within about a point.
    /// </summary>
    public static readonly AggregatorSpec Aggregator = new() { Name = AggregatorSpec.CenteredClip, AdaptiveTau = true };

    /// <param name="aggregatorNamed">Whether the spec wrote strategy.aggregator itself.</param>
    public static JobSpec Apply(JobSpec spec, bool aggregatorNamed)
    {
        if (aggregatorNamed || !spec.Data.OnWorkers) return spec;
        if (spec.Strategy.Name is "fednova" or "scaffold" or "fedbuff") return spec;
        if (spec.Privacy.SecureAggregation is not null || spec.Privacy.Dp is not null) return spec;
        return spec with { Strategy = spec.Strategy with { Aggregator = Aggregator } };
    }
}
