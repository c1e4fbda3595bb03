using Orleans;
using Tessera.Federation.Planning;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The estimate made when the job was created, shown next to its progress; once the job ended, what it actually
/// took beside it (duration from when the estimate was made to its last round, training FLOPs and credits of accepted tasks).
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record JobEstimateView(double TrainingFlops, double EvaluationFlops, double VerificationFlops, double Credits, double? EtaP50Seconds,
    double? EtaP90Seconds, int Workers, string? Stalled, DateTimeOffset Made)
{
    public double? ActualSeconds { get; init; }
    public double? ActualTrainingFlops { get; init; }
    public double? ActualCredits { get; init; }

    public static JobEstimateView From(JobEstimate e, DateTimeOffset made) =>
        new(e.TrainingFlops, e.EvaluationFlops, e.VerificationFlops, e.Credits, e.EtaP50Seconds, e.EtaP90Seconds, e.Workers, e.Stalled, made);
}
