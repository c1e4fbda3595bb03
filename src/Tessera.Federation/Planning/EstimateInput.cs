using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>One worker of the pool an estimate runs on: its training speed, the share of the time it is live and how long it is away at a time.</summary>
/// <param name="LocalSamples">Samples of the job's data set the worker holds (data that stays on the workers); null when shards come from the coordinator.</param>
/// <param name="MeanAbsenceSeconds">Its absences' mean length as observed; null uses <see cref="EstimateInput.MeanAbsenceSeconds"/>.</param>
public sealed record EstimatedWorker(double SamplesPerSecond, double Availability = 1.0, int? LocalSamples = null, double? MeanAbsenceSeconds = null);

/// <summary>
/// What <see cref="Estimator"/> needs besides the spec, gathered by its caller (the CLI or the coordinator): the
/// compiled artifacts' FLOP counts, the shard sizes the coordinator cuts, the test set's size, the pool and the
/// coordinator's timing knobs. Nothing here is read from disk or the network by the estimator itself.
/// </summary>
public sealed record EstimateInput
{
    public required JobSpec Spec { get; init; }
    /// <summary>The training artifact's FLOPs per trained sample (forward, backward, update).</summary>
    public required long TrainingFlopsPerSample { get; init; }
    /// <summary>The evaluation artifact's FLOPs per sample (forward and loss only).</summary>
    public required long ForwardFlopsPerSample { get; init; }
    /// <summary>Samples in each shard the coordinator cuts (worker i trains shard i mod count); empty when the data stays on the workers.</summary>
    public required IReadOnlyList<int> ShardSamples { get; init; }
    /// <summary>Samples of the coordinator-side test set (0 when the job evaluates only where the data is).</summary>
    public int TestSamples { get; init; }
    public required IReadOnlyList<EstimatedWorker> Workers { get; init; }
    /// <summary>Round deadline when the spec has none (the coordinator's default).</summary>
    public double DefaultDeadlineSeconds { get; init; } = 120;
    /// <summary>How long the coordinator waits for more workers before starting a round with fewer.</summary>
    public double SelectionWindowSeconds { get; init; } = 5;
    /// <summary>Test samples per second the coordinator evaluates (0: unknown, evaluation time is left out of the ETA).</summary>
    public double EvaluationSamplesPerSecond { get; init; }
    /// <summary>
    /// Per round besides evaluation: the coordinator ticks every 250 ms, and a round waits for one tick to close and
    /// another to start the next (half a tick each on average), plus aggregation.
    /// </summary>
    public double RoundOverheadSeconds { get; init; } = 0.25;
    /// <summary>Silence after which the coordinator gives a worker's task up.</summary>
    public double WorkerTimeoutSeconds { get; init; } = 15;
    /// <summary>Mean length of an absence for workers not yet seen away (availability fixes the ratio of presence to absence, not their lengths).</summary>
    public double MeanAbsenceSeconds { get; init; } = 120;
    /// <summary>Spread (σ of ln) of one task's time around samples / speed.</summary>
    public double TaskTimeSigma { get; init; } = 0.2;
    public int Trials { get; init; } = 1000;
}
