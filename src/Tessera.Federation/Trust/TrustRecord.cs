namespace Tessera.Federation.Trust;

/// <summary>
/// What a job knows of one worker's honesty: consecutive passed audits since it joined (or since its last
/// failure), audits run, and whether it was caught. A caught worker is banned from the job for good; a new
/// identity starts from <see cref="New"/>, so re-joining gains a cheater nothing. <see cref="Doubts"/> counts
/// inconclusive audits since the last pass: honest cross-runtime outliers are rare (0.15%), so a run of them is not.
/// </summary>
public sealed record TrustRecord(int ConsecutivePasses, int Audits, int Tasks, bool Banned, string? Reason = null, int Doubts = 0)
{
    public static TrustRecord New { get; } = new(0, 0, 0, false);

    /// <summary>A task of this worker was accepted, audited or not.</summary>
    public TrustRecord Counted(bool audited, bool passed) =>
        !audited ? this with { Tasks = Tasks + 1 }
        : passed ? this with { ConsecutivePasses = ConsecutivePasses + 1, Audits = Audits + 1, Tasks = Tasks + 1, Doubts = 0 }
        : this with { ConsecutivePasses = 0, Audits = Audits + 1, Tasks = Tasks + 1, Banned = true };

    /// <summary>An inconclusive audit: trust starts over (audited on every task again), no ban.</summary>
    public TrustRecord Doubted() => this with { ConsecutivePasses = 0, Audits = Audits + 1, Tasks = Tasks + 1, Doubts = Doubts + 1 };

    public TrustRecord Caught(string reason) => this with { ConsecutivePasses = 0, Audits = Audits + 1, Tasks = Tasks + 1, Banned = true, Reason = reason };
}
