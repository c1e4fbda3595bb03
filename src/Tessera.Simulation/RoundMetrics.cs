using Tessera.Federation;

namespace Tessera.Simulation;

/// <summary>
/// One round's record (for FedBuff, one server step). Test metrics are null on rounds that were not evaluated.
/// Times are cumulative since the start: simulated from client speeds, wall from this machine's clock.
/// <c>Dropped</c>: selected clients whose result did not count (past the round's deadline, too stale for FedBuff, or
/// declined because their training diverged to NaN or infinity).
/// With simulation.attack: <c>Attack</c> names it, <c>Byzantine</c> counts the folded updates (of <c>Clients</c>) that
/// came from Byzantine clients, and <c>AttackSuccessRate</c> (backdoor, on evaluated rounds) is the share of triggered
/// test samples of other classes classified as the target.
/// With strategy.aggregator: <c>Robust</c> counts what the rule excluded and clipped and compares the attackers' mean
/// share of the aggregate with the honest clients' (null for the streaming mean and rounds with no update).
/// With privacy.dp: <c>Privacy</c> says what the round spent and how it clipped. <c>UploadBytes</c>: wire bytes of the
/// round's folded uploads, in the job's upload encoding (measured, so gzip counts what it really saved).
/// </summary>
public sealed record RoundMetrics(
    int Round,
    double? TestAccuracy,
    double? TestLoss,
    double MeanTrainLoss,
    int Clients,
    long Samples,
    int Dropped,
    double SimulatedSeconds,
    double WallSeconds,
    IReadOnlyDictionary<string, double>? Metrics = null,
    string? Attack = null,
    int Byzantine = 0,
    double? AttackSuccessRate = null,
    RobustRoundStats? Robust = null,
    PrivacyRoundStats? Privacy = null,
    long UploadBytes = 0);

/// <param name="ClientStatesHeld">Per-client state kept between rounds (SCAFFOLD's c_i): one per client that ever trained.</param>
/// <param name="StoppedEarly">Why the run stopped before its last round without reaching the target (patience ran out).</param>
public sealed record SimulationResult(
    IReadOnlyList<RoundMetrics> Rounds,
    int? RoundsToTarget,
    GlobalModel Final,
    double WallSeconds,
    long ClientUpdates,
    int TrainersCreated,
    int PeakLiveTrainers,
    int ClientStatesHeld = 0,
    string? StoppedEarly = null)
{
    public double? FinalAccuracy => Rounds.LastOrDefault(r => r.TestAccuracy is not null)?.TestAccuracy;
    public double? BestAccuracy => Rounds.Where(r => r.TestAccuracy is not null).Select(r => r.TestAccuracy).Max();
}
