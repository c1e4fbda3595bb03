namespace Tessera.Worker;

/// <summary>What a worker is doing, for progress displays (the demo) and logs.</summary>
public abstract record WorkerEvent(string WorkerName);
public sealed record Joined(string WorkerName, string WorkerId, double SamplesPerSecond) : WorkerEvent(WorkerName);
public sealed record TaskStarted(string WorkerName, string TaskId, string JobId, int Round, int Steps) : WorkerEvent(WorkerName);
public sealed record TaskProgress(string WorkerName, string TaskId, int StepsDone, int Steps) : WorkerEvent(WorkerName);
public sealed record TaskUploaded(string WorkerName, string TaskId, int Round, double MeanLoss, double SamplesPerSecond, long Bytes) : WorkerEvent(WorkerName);
public sealed record TaskDropped(string WorkerName, string TaskId, string Reason) : WorkerEvent(WorkerName);
/// <summary>The worker could not do the task (and told the coordinator, which re-invites someone else).</summary>
public sealed record TaskDeclined(string WorkerName, string TaskId, string Reason) : WorkerEvent(WorkerName);
/// <summary>The task asked for a federated evaluation this worker could not do; it trains and uploads without one.</summary>
public sealed record EvaluationSkipped(string WorkerName, string TaskId, string Reason) : WorkerEvent(WorkerName);
public sealed record ConnectionProblem(string WorkerName, string Message, TimeSpan RetryIn) : WorkerEvent(WorkerName);
