namespace Tessera.Federation.Trust;

/// <summary>
/// How work is paid (DESIGN §8: credit is the last stage and reads what the audit stage decided): GFLOP of the
/// training the coordinator assigned, from the compiled graph's FLOPs per sample × the task's K steps × batch,
/// never from what the worker claims. The same task earns the same credit on a browser, a laptop or a GPU.
/// Entries of verifiable jobs start <see cref="Pending"/> and are <see cref="Granted"/> once their audit
/// window (some rounds) closes, or <see cref="Revoked"/> when their worker is caught within it. A task whose audit
/// was inconclusive is <see cref="Held"/>: left out of the model but not forfeited, it turns pending when its worker's
/// next audit passes (honest outliers are rare, so that comes), or revoked with the ban a run of them ends in; jobs whose data
/// cannot be replayed (it stays on the workers, or replay is off) earn <see cref="Unverifiable"/> credit.
/// </summary>
public sealed record CreditRule(double CreditsPerSample, int BatchSize, bool Verifiable, int GrantAfterRounds)
{
    public const string Pending = "pending";
    public const string Granted = "granted";
    public const string Revoked = "revoked";
    public const string Held = "held";
    public const string Unverifiable = "unverifiable";

    public static CreditRule For(long flopsPerSample, int batchSize, bool verifiable, int grantAfterRounds) =>
        new(flopsPerSample / 1e9, batchSize, verifiable, grantAfterRounds);

    /// <summary>Samples a task of <paramref name="steps"/> assigned steps trains.</summary>
    public long AssignedSamples(int steps) => (long)steps * BatchSize;

    public double CreditsFor(int steps) => AssignedSamples(steps) * CreditsPerSample;

    public string EntryStatus => Verifiable ? Pending : Unverifiable;
}
