using System.Globalization;

namespace Tessera.Federation;

/// <summary>
/// When a job stops before its last round: its test accuracy reached the target, or — with a patience — it has not
/// beaten its best for that many rounds (a plateau, or a collapse such as a model diverged to chance level, which
/// would otherwise run on to the round cap). The coordinator and the simulator both decide with this, so a simulated
/// job stops where the deployed one would. Feed it every evaluated round in order (replay the history on resume).
/// </summary>
public sealed class StopRule(double? target, int? patience)
{
    public double BestAccuracy { get; private set; } = double.NegativeInfinity;
    public int BestRound { get; private set; }
    /// <summary>The first round whose test accuracy reached the target.</summary>
    public int? ReachedAt { get; private set; }
    /// <summary>The round at which <c>patience</c> rounds had passed since the best accuracy.</summary>
    public int? PatienceRanOutAt { get; private set; }

    public bool Stopped => ReachedAt is not null || PatienceRanOutAt is not null;

    /// <summary>Records one evaluated round; true once the job should stop.</summary>
    public bool Observe(int round, double accuracy)
    {
        if (accuracy > BestAccuracy) (BestAccuracy, BestRound) = (accuracy, round);
        if (ReachedAt is null && target is { } t && accuracy >= t) ReachedAt = round;
        if (PatienceRanOutAt is null && patience is { } p && round - BestRound >= p) PatienceRanOutAt = round;
        return Stopped;
    }

    /// <summary>Why the job stopped early, in words; null while it has not.</summary>
    public string? Reason =>
        ReachedAt is { } r ? $"reached the target test accuracy at round {r}"
        : PatienceRanOutAt is { } at ? string.Create(CultureInfo.InvariantCulture,
            $"no new best test accuracy for {at - BestRound} rounds (best {100 * BestAccuracy:F2}% at round {BestRound}); stopped at round {at}")
        : null;
}
