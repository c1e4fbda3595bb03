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

/// <summary>What a worker is told when its task's state rules out what it asked.</summary>
public static class TaskRefusals
{
    /// <summary>Why an upload for this task cannot be taken in its state; null when the state allows one.</summary>
    public static string? WhyNoUpload(IRoundTask t) => t.State switch
    {
        TaskState.Accepted => $"task {t.Id} was already accepted; a replayed upload is not counted twice",
        TaskState.Folding => $"task {t.Id} is being uploaded already; a replayed upload is not counted twice",
        TaskState.Declined => $"task {t.Id} was declined by its worker; the job went on without it",
        _ => null,
    };

    /// <summary>Why this task can no longer be declined; null while it is only handed out.</summary>
    public static string? WhyNoDecline(IRoundTask t) => t.State switch
    {
        TaskState.Assigned => null,
        TaskState.Folding => $"task {t.Id} is being uploaded; it can no longer be declined",
        TaskState.Accepted => $"task {t.Id} was already accepted; it can no longer be declined",
        _ => $"task {t.Id} expired already; the round went on without it",
    };
}
