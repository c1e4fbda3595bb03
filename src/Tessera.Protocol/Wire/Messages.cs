namespace Tessera.Protocol.Wire;

/// <summary>A data set a worker holds locally; its samples never leave the worker.</summary>
public sealed record LocalDataset(string Name, int Samples);

/// <summary>What a worker offers: the coordinator routes tasks by it and sizes K from the speed it measures.</summary>
public sealed record WorkerCapabilities
{
    /// <summary>dotnet, browser or python.</summary>
    public string Runtime { get; init; } = "dotnet";
    public int Cores { get; init; } = 1;
    public long MemoryMb { get; init; }
    public IReadOnlyList<string> Providers { get; init; } = [];
    /// <summary>
    /// The worker's own training samples per second (a short benchmark at join, refreshed by every result). It only
    /// seeds the first task: the coordinator times tasks itself and routes by that.
    /// </summary>
    public double SamplesPerSecond { get; init; }
    public IReadOnlyList<LocalDataset> Datasets { get; init; } = [];
}

public sealed record JoinRequest
{
    public required string Token { get; init; }
    /// <summary>Contributor name shown in the ledger; defaults to the worker id.</summary>
    public string? Name { get; init; }
    public WorkerCapabilities Capabilities { get; init; } = new();
}

public sealed record JoinResponse(string WorkerId, string SessionToken, double HeartbeatSeconds);

public sealed record ArtifactRef(string Sha256, string Url);

/// <summary>Where a task's samples come from: a shard the coordinator serves, or a data set local to the worker.</summary>
public sealed record TaskData
{
    public string? ShardUrl { get; init; }
    public int? Shard { get; init; }
    public string? Local { get; init; }
    public int Samples { get; init; }
    /// <summary>How to read a local data set's files (the job spec's data.format); null for bundled sets and shards.</summary>
    public Jobs.DataFormatSpec? Format { get; init; }
}

/// <summary>One unit of work: train K steps from a global version and send back the delta.</summary>
public sealed record TaskMessage
{
    public required string TaskId { get; init; }
    public required string JobId { get; init; }
    public required int Round { get; init; }
    public required long Version { get; init; }
    public required string Model { get; init; }
    public required ArtifactRef Artifact { get; init; }
    public required string WeightsUrl { get; init; }
    public required TaskData Data { get; init; }
    public required IReadOnlyDictionary<string, double> Hyperparameters { get; init; }
    public required ulong Seed { get; init; }
    public required int Steps { get; init; }
    /// <summary>Commit to the weights every this many steps (and after the last); calls end on these steps. 0: only the last.</summary>
    public int CommitEvery { get; init; }
    public required int BatchSize { get; init; }
    public required int Epochs { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public required string ResultUrl { get; init; }
    /// <summary>
    /// Federated evaluation: the inference ONNX of the base version, to evaluate on the worker's held-out data before
    /// training and report in the update's metadata; null when this round does not evaluate.
    /// </summary>
    public string? EvaluateModelUrl { get; init; }
    /// <summary>How to encode the update; null means dense F32.</summary>
    public UploadEncoding? Upload { get; init; }
    /// <summary>SCAFFOLD: the server control variate c of this version (safetensors shaped like the weights).</summary>
    public string? ServerControlUrl { get; init; }
    /// <summary>SCAFFOLD: this worker's control variate c_i as the coordinator keeps it (needs the session).</summary>
    public string? ClientControlUrl { get; init; }
    /// <summary>
    /// A verification task: re-run another worker's task exactly (same shard, seed, K) and commit under its task and
    /// worker ids, so the coordinator can compare the two; the result is uploaded to this task's own result URL.
    /// </summary>
    public VerificationRef? Verifies { get; init; }
    /// <summary>Local differential privacy: clip the whole update and noise it on this device before it leaves; null otherwise.</summary>
    public LocalPrivacyTask? Privacy { get; init; }
    /// <summary>Secure aggregation: mask the update in a SecAgg+ round instead of uploading it to ResultUrl; null otherwise.</summary>
    public SecureAggregation.SecureAggregationTask? SecureAggregation { get; init; }
}

/// <summary>Clip the flat update (every tensor together) to L2 norm <paramref name="Clip"/>, then add N(0, (z·C)²) to each value.</summary>
public sealed record LocalPrivacyTask(double Clip, double NoiseMultiplier);

/// <summary>The task a verification task re-runs, and the worker whose upload it checks.</summary>
public sealed record VerificationRef(string TaskId, string WorkerId);

public sealed record HeartbeatRequest
{
    public string? TaskId { get; init; }
    public int StepsDone { get; init; }
}

/// <summary>
/// A worker gives a task back because it cannot do it (an upload codec it does not know, training that diverged,
/// a local data set it does not have); the round invites someone else at once instead of waiting for the deadline.
/// </summary>
public sealed record DeclineRequest
{
    public string? Reason { get; init; }
}

/// <summary>Continue = false tells the worker its task is no longer wanted (round closed, job paused).</summary>
public sealed record HeartbeatResponse(bool Continue);

/// <summary>SCAFFOLD under secure aggregation: whether a committed round counted this worker's input (and so its Δc_i).</summary>
public sealed record ControlCounted(int Round, bool Counted);

/// <summary>PendingAudit: the update is held until other workers have re-run its task (replay: workers); it counts once they agree.</summary>
public sealed record ResultResponse(bool Accepted, string TaskId, int Round, int UpdatesInRound, bool PendingAudit = false);

public sealed record ErrorResponse(string Error);
