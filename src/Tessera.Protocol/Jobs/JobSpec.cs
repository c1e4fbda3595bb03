using System.Text.Json.Serialization;

namespace Tessera.Protocol.Jobs;

/// <summary>
/// A federated training job as a user writes it (YAML or JSON, snake_case keys). The simulator and the
/// coordinator read the same spec, so a simulated job and a deployed job mean the same thing.
/// </summary>
public sealed record JobSpec
{
    public required string Name { get; init; }
    /// <summary>A zoo model (logreg, 2nn, cnn, chartransformer) or the user's ONNX model.</summary>
    [JsonConverter(typeof(ModelSpecJsonConverter))]
    public required ModelSpec Model { get; init; }
    public required DataSpec Data { get; init; }
    public required StrategySpec Strategy { get; init; }
    public required LocalTrainingSpec Local { get; init; }
    public int Rounds { get; init; } = 10;
    /// <summary>Clients per round as a count; when null, <see cref="Fraction"/> of all clients.</summary>
    public int? ClientsPerRound { get; init; }
    public double Fraction { get; init; } = 0.1;
    public int MinClients { get; init; } = 1;
    /// <summary>Select this many times the clients needed, so stragglers never stall a round.</summary>
    public double OverSelection { get; init; } = 1.0;
    /// <summary>Stop early once test accuracy reaches this.</summary>
    public double? TargetAccuracy { get; init; }
    /// <summary>Stop early once test accuracy has not beaten its best for this many rounds. Null: never.</summary>
    public int? Patience { get; init; }
    public int EvalEvery { get; init; } = 1;
    public ulong Seed { get; init; } = 1;
    /// <summary>Round deadline in (simulated) seconds; results after it are dropped. Null: no deadline.</summary>
    public double? DeadlineSeconds { get; init; }
    public RequirementsSpec Requirements { get; init; } = new();
    /// <summary>Knobs only the in-process simulator reads (client speeds); the coordinator measures real ones.</summary>
    public SimulationSpec Simulation { get; init; } = new();
    /// <summary>How workers encode their updates (dense f32 unless the job asks for int8 or top-k).</summary>
    public UploadSpec Upload { get; init; } = new();
    /// <summary>Where the global model is evaluated: on a coordinator-side test set, on the workers' held-out data, or both.</summary>
    public EvaluationSpec Evaluation { get; init; } = new();
    /// <summary>How work from untrusted workers is verified (commit, then audit by replay) before it earns credit.</summary>
    public VerificationSpec Verification { get; init; } = new();
    /// <summary>Secure aggregation and differential privacy (docs/PRIVACY.md); off unless asked for.</summary>
    public PrivacySpec Privacy { get; init; } = new();
}

public sealed record DataSpec
{
    /// <summary>
    /// The data set's name: a bundled one (mnist, fashion-mnist, ...), synthetic, or the user's own, read from
    /// <see cref="Path"/> (simulator), from `tessera serve --dataset NAME=PATH` (coordinator) or from
    /// `tessera worker --data NAME=PATH` (data that stays on the workers, <see cref="OnWorkers"/>).
    /// </summary>
    public string Dataset { get; init; } = "mnist";
    /// <summary>The training file or folder of the user's own data set, relative to the spec file (simulator only).</summary>
    public string? Path { get; init; }
    /// <summary>Its held-out test file or folder; without one the simulator holds out a seeded 20%.</summary>
    public string? TestPath { get; init; }
    /// <summary>True when the data lives on the workers and never leaves them: only workers holding it are invited.</summary>
    public bool OnWorkers { get; init; }
    /// <summary>How to read the user's files (format, label column, image size, ...); empty for bundled sets.</summary>
    public DataFormatSpec Format { get; init; } = new();
    /// <summary>iid, pathological, dirichlet, quantity or gamma_similarity.</summary>
    public string Partition { get; init; } = "iid";
    public int Clients { get; init; } = 100;
    public double Alpha { get; init; } = 0.5;
    public int ShardsPerClient { get; init; } = 2;
    /// <summary>
    /// gamma_similarity: share of the data split IID; the rest is sorted by label (0: label-sorted, 1: IID). 0.5 when
    /// not given; null for other partitions, so their specs (and checkpoint digests) are as before.
    /// </summary>
    public double? Gamma { get; init; }
    /// <summary>Use only the first N training samples (0 = all; synthetic: 6,000).</summary>
    public int TrainSamples { get; init; }
    /// <summary>Evaluate on only the first N test samples (0 = all; synthetic: 1,000).</summary>
    public int TestSamples { get; init; }
}

public sealed record StrategySpec
{
    /// <summary>
    /// fedsgd, fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedprox, scaffold, fednova or fedbuff.
    /// fedsgd is FedAvg with local.batch_size 0 (full batch) and local.epochs 1: one gradient step per client.
    /// </summary>
    public string Name { get; init; } = "fedavg";
    [JsonPropertyName("server_lr")]
    public double ServerLearningRate { get; init; } = 1.0;
    public double ServerMomentum { get; init; } = 0.9;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.99;
    public double Tau { get; init; } = 1e-3;
    /// <summary>FedProx proximal weight.</summary>
    public double Mu { get; init; } = 0.01;
    /// <summary>FedBuff: updates per server step.</summary>
    public int BufferSize { get; init; } = 10;
    public int? MaxStaleness { get; init; }
    /// <summary>How each round's updates are combined: the mean (FedAvg's rule) unless a robust rule is named.</summary>
    public AggregatorSpec Aggregator { get; init; } = new();
}

public sealed record LocalTrainingSpec
{
    public int Epochs { get; init; } = 1;
    /// <summary>Batch size; 0 means each client's whole data set as one batch (FedSGD uses E=1 with it).</summary>
    public int BatchSize { get; init; } = 10;
    [JsonPropertyName("lr")]
    public double LearningRate { get; init; } = 0.1;
    /// <summary>sgd, adam or adamw.</summary>
    public string Optimizer { get; init; } = "sgd";
    public double Momentum { get; init; }
    public double WeightDecay { get; init; }
    public double? ClipNorm { get; init; }
    public int? MaxSteps { get; init; }
}

/// <summary>What a worker must offer to receive this job's tasks.</summary>
public sealed record RequirementsSpec
{
    public long MinMemoryMb { get; init; }
    /// <summary>Accepted runtimes (dotnet, browser, python); empty accepts all.</summary>
    public IReadOnlyList<string> Runtimes { get; init; } = [];
    public double MinSamplesPerSecond { get; init; }
}

/// <summary>
/// Simulated client speeds: each client's speed is drawn log-normally under the job seed around
/// <see cref="SamplesPerSecond"/>; its simulated time for a task is samples trained / speed, compared
/// with <see cref="JobSpec.DeadlineSeconds"/> and used to order asynchronous (FedBuff) arrivals.
/// </summary>
public sealed record SimulationSpec
{
    /// <summary>Median client speed in training samples per second.</summary>
    public double SamplesPerSecond { get; init; } = 1000;
    /// <summary>σ of ln(speed); 0 makes every client equally fast.</summary>
    public double SpeedSigma { get; init; }
    /// <summary>A Byzantine attack some clients mount (docs/ATTACKS.md); null: every client is honest.</summary>
    public AttackSpec? Attack { get; init; }
    /// <summary>
    /// Training samples held out (the last ones, before partitioning) as a validation split: no client trains on them,
    /// and the final model's accuracy on them is what hyperparameters are chosen by (`bench robust`), so the test set
    /// only reports. 0: none.
    /// </summary>
    public int ValidationSamples { get; init; }
}
