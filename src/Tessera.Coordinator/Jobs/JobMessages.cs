using Orleans;
using Orleans.Runtime;
using Tessera.Coordinator.Storage;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The Job role as an Orleans grain (key = job id): the round state machine. Every call is a small notice
/// (ids and counts); tensors never travel through it — uploads are folded by the node's
/// <see cref="NodeAggregators"/> where they land, and the grain merges one partial per node that folded at round close.
/// </summary>
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Periodic step, called by every node with its view of the workers connected to it (merged by the grain).</summary>
    Task<string[]> Tick(NodeView view);
    /// <summary>The open task for this worker, asked by the node it is long-polling.</summary>
    Task<TaskInfo?> PendingTask(string workerId, SiloAddress node);
    /// <summary>Workers holding an open task of this job (one task at a time per worker).</summary>
    Task<string[]> BusyWorkers();
    Task<TaskInfo?> FindTask(string taskId);
    /// <summary>Why an upload for this task cannot be accepted now, or null. Checked before the body is read.</summary>
    Task<string?> CheckUpload(string taskId);
    /// <summary>Claims the task for one fold at <paramref name="node"/>; while claims are out the round does not close.</summary>
    Task<UploadTicket> Reserve(string taskId, SiloAddress node);
    /// <summary>The node folded the claimed update: record it and count it towards the quorum.</summary>
    Task<FoldResult> Folded(UpdateNotice notice);
    /// <summary>The node could not fold the claimed update: the task is open again.</summary>
    Task Release(string taskId);
    /// <summary>
    /// The claimed update did not pass its audit: it is never folded. Failed: its worker is banned from the job and
    /// its pending credit revoked. Inconclusive: its credit is held and its worker audited on every task again, unless
    /// it was one inconclusive audit too many in a row. True when the worker is now banned.
    /// </summary>
    Task<bool> Refused(string taskId, AuditNotice audit);
    /// <summary>A verifier re-ran a held update's task (replay: workers): its verdict, counted towards the quorum.</summary>
    Task<VoteResult> Vote(string verificationTaskId, AuditNotice verdict);
    /// <summary>
    /// The verifiers did not pass a held update, so the coordinator replayed it itself: its verdict decides. A pass
    /// folds the update and bans the verifiers that voted against it (they lied, or their runtime did); a failure refuses it.
    /// </summary>
    Task<VoteResult> Arbitrated(string originalTaskId, AuditNotice coordinatorVerdict);
    Task<bool> StillWanted(string taskId);
    /// <summary>The worker gives the task back: it stops counting towards the round and its worker is not invited again this round. Null or why not.</summary>
    Task<string?> Decline(string taskId, string reason);
    Task<string?> SetStatus(JobStatus target);
    Task<JobSnapshot> Snapshot();
    Task<long> Version();
    /// <summary>A secure round's stage request of a task: POST <paramref name="body"/> (a stage message) or GET (null body) the stage's payload.</summary>
    Task<SecAggReply> SecAgg(string taskId, string stage, byte[]? body);
}

/// <summary>A secure round's stage answer as it crosses the grain boundary (<see cref="Federation.Privacy.SecureAggregation.SecureStageReply"/>).</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record SecAggReply(int Status, string? Json = null, string? Error = null)
{
    public static SecAggReply Of(Federation.Privacy.SecureAggregation.SecureStageReply r) => new(r.Status, r.Json, r.Error);
}

/// <summary>A task as others see it: who has it, which round and version, how many steps, by when.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record TaskInfo(string Id, string WorkerId, int Round, long Version, int Steps, int? Shard, string? LocalData, int Samples, DateTimeOffset Deadline,
    string? VerifiesTask = null, string? VerifiesWorker = null, SecureSlot? Secure = null);

/// <summary>
/// The answer to <see cref="IJobGrain.Reserve"/>: a refusal, or where to fold (this round's aggregator key, or the
/// async buffer), and whether the update must pass a replay audit first (drawn now, after the upload arrived).
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record UploadTicket(string? Error, int Round, int Attempt, bool Async, bool Audit = false, bool Held = false);

/// <summary>
/// After a verifier's vote: whether the held update it checked is decided, and if it passed, where to fold it
/// (the node that took the deciding vote folds it, then reports it with <see cref="IJobGrain.Folded"/>).
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record VoteResult(string? Error, bool Decided, bool Fold, int Round, int Attempt, AuditNotice? Verdict, bool Arbitrate = false);

/// <summary>One replay's outcome as the node that ran it reports it.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record AuditNotice(string Outcome, double RelativeError, bool ChainMatches, double ReplayMs, string? Runtime, string? Reason)
{
    public bool Passed => Outcome == AuditRow.PassedOutcome;
    public bool Inconclusive => Outcome == AuditRow.InconclusiveOutcome;

    /// <summary>A judged replay or re-run as the grain records it; <paramref name="who"/> is appended to a reason, saying who re-ran it.</summary>
    public static AuditNotice Of(Federation.Trust.AuditVerdict verdict, double replayMs, string? runtime, string? who = null) =>
        new(verdict.Outcome.ToString().ToLowerInvariant(), verdict.RelativeError, verdict.ChainMatches, replayMs, runtime,
            verdict.Reason is null || who is null ? verdict.Reason : $"{verdict.Reason} ({who})");
}

/// <summary>What the node reports after folding an update: ids and counts only, and which node holds it in its partial.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record UpdateNotice(string TaskId, string WorkerId, long SampleCount, int Steps, string Commitment, long Bytes, double LossSum, int LossCount, int? SteppedTo,
    SiloAddress Node, EvaluationNotice? Evaluation = null, AuditNotice? Audit = null)
{
    /// <summary>The notice of a folded upload: its counts, finite losses and federated evaluation, from the decoded update and envelope.</summary>
    public static UpdateNotice Of(string taskId, string workerId, Federation.ClientUpdate update, Protocol.Wire.UpdateEnvelope envelope, long bytes,
        int? steppedTo, SiloAddress node, AuditNotice? audit)
    {
        var losses = envelope.LossTrace.Where(float.IsFinite).ToList();
        return new UpdateNotice(taskId, workerId, update.SampleCount, update.LocalSteps, envelope.Commitment, bytes, losses.Sum(l => (double)l), losses.Count,
            steppedTo, node, envelope.Evaluation is { } e ? new EvaluationNotice(e.Samples, e.Loss, e.Accuracy, e.Metrics.ToDictionary()) : null, audit);
    }
}

/// <summary>A worker's federated evaluation of the round's base model on its held-out data: counts and means only.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record EvaluationNotice(long Samples, double Loss, double? Accuracy, Dictionary<string, double> Metrics);

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record FoldResult(string? Error, int RoundUpdates);

/// <summary>
/// A job's status; <c>Node</c> is the silo hosting its grain (the node that closes its rounds); <c>LastDeclined</c> is
/// the latest task a worker gave back and why; <c>StoppedEarly</c> says why a completed job ended before its last round
/// (target accuracy reached, or patience ran out); <c>Estimate</c> is the estimate made at creation (and the actuals once it ended),
/// added by <see cref="JobRegistry.Snapshot"/>, not by the grain; so is <c>Aggregator</c>, the robust rule combining its
/// rounds (<see cref="Tessera.Protocol.Jobs.AggregatorSpec.Summary"/>; null for the streaming mean), so a job that took
/// the worker-data default says so.
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record JobSnapshot(string Id, string Name, string Status, string Model, string Strategy, long Version, int Rounds,
    int? Round, string? Phase, int RoundUpdates, int RoundTarget, int RoundTasks, int LiveWorkers, double? LastAccuracy, string? Error, string ArtifactSha256,
    string Node, string? LastDeclined = null, string? StoppedEarly = null, JobEstimateView? Estimate = null, PrivacyView? Privacy = null,
    string? Aggregator = null);
