namespace Tessera.Federation.Trust;

/// <summary>Passed: counted. Inconclusive: left out, unpaid, the worker audited on every task again. Failed: caught.</summary>
public enum AuditOutcome { Passed, Inconclusive, Failed }

/// <summary>
/// The outcome of replaying one task: how the claimed update compares with the replay, the relative distance
/// ‖claimed − replayed‖ / ‖replayed − base‖ it was judged on, whether the commitment chains agree bit for bit,
/// and in words why it did not pass.
/// </summary>
public sealed record AuditVerdict(AuditOutcome Outcome, double RelativeError, bool ChainMatches, string? Reason)
{
    public bool Passed => Outcome == AuditOutcome.Passed;

    public string Describe() => Outcome switch
    {
        AuditOutcome.Passed => $"passed (relative error {RelativeError:G3}{(ChainMatches ? ", commitment reproduced bit for bit" : "")})",
        AuditOutcome.Inconclusive => $"inconclusive: {Reason}",
        _ => $"failed: {Reason}",
    };
}
