using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Trust;

/// <summary>
/// The audit stage's state for one job: every worker's <see cref="TrustRecord"/>, which uploads to replay
/// (<see cref="AuditPolicy"/>, drawn after the upload arrived), and who is banned. The coordinator's job grain
/// and the simulator drive it the same way; persisting records is the caller's (the coordinator writes each
/// change to its store before acting on it).
/// </summary>
public sealed class TrustBook(VerificationSpec spec, Func<double> uniform)
{
    readonly Dictionary<string, TrustRecord> _records = new(StringComparer.Ordinal);

    public VerificationSpec Spec => spec;
    public IReadOnlyDictionary<string, TrustRecord> Records => _records;

    public TrustRecord Of(string worker) => _records.GetValueOrDefault(worker) ?? TrustRecord.New;

    public bool IsBanned(string worker) => Of(worker).Banned;

    /// <summary>Restores a record read back from storage.</summary>
    public void Restore(string worker, TrustRecord record) => _records[worker] = record;

    /// <summary>Whether this upload is replayed: a fresh draw per upload, so a worker cannot know before it commits.</summary>
    public bool DrawAudit(string worker) => !IsBanned(worker) && AuditPolicy.Chooses(Of(worker), spec, uniform());

    /// <summary>The worker's upload counted, audited and passed or not audited at all.</summary>
    public TrustRecord Counted(string worker, bool audited) => _records[worker] = Of(worker).Counted(audited, passed: true);

    /// <summary>
    /// The worker's upload was inconclusive: left out, and the worker is audited on every task again; its credit
    /// is held until a later audit passes. The <see cref="VerificationSpec.InconclusiveLimit"/>-th inconclusive
    /// audit in a row is a failure: a cheater cannot live in the band between tolerance and fail_above.
    /// </summary>
    public TrustRecord Doubted(string worker, string reason)
    {
        var doubted = Of(worker).Doubted();
        return _records[worker] = doubted.Doubts >= spec.InconclusiveLimit
            ? doubted with { Banned = true, Reason = $"{doubted.Doubts} inconclusive audits in a row (the last: {reason})" }
            : doubted;
    }

    /// <summary>The worker's upload failed its audit: trust back to zero and banned from the job.</summary>
    public TrustRecord Caught(string worker, string reason) => _records[worker] = Of(worker).Caught(reason);
}
