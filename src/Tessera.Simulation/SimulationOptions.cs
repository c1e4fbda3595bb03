namespace Tessera.Simulation;

/// <summary>How a simulation runs on this machine (the job itself is the spec).</summary>
public sealed record SimulationOptions
{
    /// <summary>Clients trained at once; each worker owns one Trainer with a single ORT thread when above 1.</summary>
    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Overrides the spec's rounds (server steps for FedBuff).</summary>
    public int? Rounds { get; init; }
    /// <summary>Optimizer steps per artifact call (K).</summary>
    public int StepsPerCall { get; init; } = 50;
    /// <summary>Evaluate the initial model as round 0 (the curve's starting point).</summary>
    public bool EvaluateInitialModel { get; init; } = true;
    /// <summary>Per-client speed in samples/s by client index; null draws them from the spec.</summary>
    public Func<int, double>? ClientSpeed { get; init; }
    public SimulationEvents Events { get; init; } = new();
    /// <summary>Continue a synchronous run from this checkpoint (its round is the last one done).</summary>
    public SimulationCheckpoint? ResumeFrom { get; init; }
    /// <summary>Hand a checkpoint to <see cref="SimulationEvents.Checkpoint"/> every this many rounds (and after the last).</summary>
    public int CheckpointEvery { get; init; } = 5;
    /// <summary>Folder the spec's relative paths (model.onnx, data.path) are read from: the spec file's folder.</summary>
    public string BaseDirectory { get; init; } = ".";
}

/// <summary>Callbacks for progress displays and tests; called on the simulation's thread unless noted.</summary>
public sealed record SimulationEvents
{
    /// <summary>(round, clients that will train this round).</summary>
    public Action<int, int>? RoundStarted { get; init; }
    /// <summary>(round, clients done, clients that will train); may be called from worker threads.</summary>
    public Action<int, int, int>? ClientDone { get; init; }
    /// <summary>(round, client id) for every update folded into the global model.</summary>
    public Action<int, string>? UpdateFolded { get; init; }
    public Action<RoundMetrics>? RoundFinished { get; init; }
    /// <summary>State to continue from (synchronous strategies); null when nobody stores checkpoints.</summary>
    public Action<SimulationCheckpoint>? Checkpoint { get; init; }
}
