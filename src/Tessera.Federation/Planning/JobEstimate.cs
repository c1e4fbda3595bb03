namespace Tessera.Federation.Planning;

/// <summary>
/// What a job will cost and how long it will take, known before it runs. FLOPs are counted from the compiled
/// artifacts; credits are the GFLOP of assigned training work (what the ledger pays); the ETA is a Monte Carlo over
/// rounds on the given pool (<see cref="Estimator"/>). <see cref="EtaP50Seconds"/> is null when the pool cannot
/// run the job at all, and <see cref="Stalled"/> says why.
/// </summary>
public sealed record JobEstimate
{
    public required int Rounds { get; init; }
    /// <summary>Workers of the pool that can take the job's tasks.</summary>
    public required int Workers { get; init; }
    /// <summary>Tasks handed out per round (invited clients), or per server step for FedBuff (its buffer).</summary>
    public required int TasksPerRound { get; init; }
    public required double StepsPerTask { get; init; }
    public required long TrainingSamples { get; init; }
    public required double TrainingFlops { get; init; }
    /// <summary>Coordinator-side evaluation (forward × test samples × evaluated rounds) plus federated evaluation on workers.</summary>
    public required double EvaluationFlops { get; init; }
    /// <summary>Audit replays: the expected audited share of training on an honest pool (0 with verification.replay off).</summary>
    public required double VerificationFlops { get; init; }
    public required double AuditShare { get; init; }
    public double TotalFlops => TrainingFlops + EvaluationFlops + VerificationFlops;
    /// <summary>Credits the job pays: GFLOP of assigned training work.</summary>
    public required double Credits { get; init; }
    public double? EtaP50Seconds { get; init; }
    public double? EtaP90Seconds { get; init; }
    public string? Stalled { get; init; }
}
