namespace Tessera.Protocol.Jobs;

/// <summary>
/// How a job verifies work from untrusted workers (the `verification:` section): commit, then audit by replay.
/// A worker commits to hashes of its weights every <see cref="CommitEvery"/> steps; after the upload arrives the
/// coordinator picks, with randomness the worker cannot predict, whether to re-run the task and compare.
/// New workers are audited on every task until they pass <see cref="TrustedAfter"/> in a row; after that with
/// probability max(<see cref="MinRate"/>, 1/n) for n consecutive passes. Jobs on data that stays on the workers
/// cannot be replayed: their credit is unverifiable.
/// </summary>
public sealed record VerificationSpec
{
    public const string Coordinator = "coordinator";
    public const string Workers = "workers";
    public const string Off = "off";
    public static readonly string[] Replayers = [Coordinator, Workers, Off];

    /// <summary>
    /// Who re-runs audited tasks: the coordinator itself; other workers the job trusts (BOINC-style replication,
    /// <see cref="Quorum"/> of them, the coordinator standing in while too few are trusted); or nobody (credit then
    /// stays unverifiable).
    /// </summary>
    public string Replay { get; init; } = Coordinator;
    /// <summary>Consecutive passed audits before a worker is sampled instead of audited on every task (BOINC uses 10).</summary>
    public int TrustedAfter { get; init; } = 10;
    /// <summary>The floor p_min of a trusted worker's audit probability.</summary>
    public double MinRate { get; init; } = 0.05;
    /// <summary>Largest ‖claimed − replayed‖ / ‖replayed − base‖ that passes an audit (calibrated: docs/TRUST.md).</summary>
    public double Tolerance { get; init; } = 1e-2;
    /// <summary>
    /// Above this distance an audit fails (ban, revocation). Between <see cref="Tolerance"/> and this it is
    /// inconclusive: the update is left out, its credit held until the worker's next audit passes, and the worker
    /// is audited on every task again, not banned, because honest cross-runtime replays have rare outliers there
    /// (docs/TRUST.md).
    /// </summary>
    public double FailAbove { get; init; } = 0.25;
    /// <summary>This many inconclusive audits in a row (no pass between them) count as a failure.</summary>
    public int InconclusiveLimit { get; init; } = 3;
    /// <summary>The worker hashes its weights every this many steps (and at the end).</summary>
    public int CommitEvery { get; init; } = 50;
    /// <summary>Credit stays pending this many rounds after its task was accepted, then is granted unless revoked.</summary>
    public int GrantAfterRounds { get; init; } = 2;
    /// <summary>Share of the coordinator's cores that replays may use at once.</summary>
    public double CpuShare { get; init; } = 0.5;
    /// <summary>replay: workers — how many trusted workers re-run each audited task; the majority of their verdicts decides.</summary>
    public int Quorum { get; init; } = 1;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Enabled => Replay != Off;
}
