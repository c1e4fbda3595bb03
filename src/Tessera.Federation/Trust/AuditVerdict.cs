namespace Tessera.Federation.Trust;

/// <summary>
/// The outcome of replaying one task: whether the claimed update agrees with the replay, the relative distance
/// ‖claimed − replayed‖ / ‖replayed − base‖ it was judged on, whether the commitment chains agree bit for bit,
/// and in words why it failed.
/// </summary>
public sealed record AuditVerdict(bool Passed, double RelativeError, bool ChainMatches, string? Reason)
{
    public string Describe() => Passed
        ? $"passed (relative error {RelativeError:G3}{(ChainMatches ? ", commitment reproduced bit for bit" : "")})"
        : $"failed: {Reason}";
}
