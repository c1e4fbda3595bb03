namespace Tessera.Federation.Rounds.Lifecycle;

/// <summary>
/// Where one task of a round stands: handed out, its upload claimed and being folded (or audited, or held for
/// verifiers), counted, or finished without counting (expired, declined by its worker, refused by its audit).
/// </summary>
public enum TaskState { Assigned, Folding, Accepted, Expired, Declined, Rejected }

/// <summary>What the round's lifecycle reads of a task; the coordinator's task adds its shard, node and votes.</summary>
public interface IRoundTask
{
    string Id { get; }
    string WorkerId { get; }
    DateTimeOffset Deadline { get; }
    TaskState State { get; set; }
    /// <summary>A re-run of another task's upload for its audit (replay: workers): not one of the round's results.</summary>
    bool IsVerification { get; }
}
