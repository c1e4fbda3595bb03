using System.Diagnostics;
using Tessera.Federation;
using Tessera.Federation.Planning;
using Tessera.Federation.Robust;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;
using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// Runs a job spec in one process with N virtual clients: partitions the data (deterministic under the seed),
/// builds the strategy, compiles the training artifact per needed batch size, and drives rounds with a small
/// pool of reusable Trainers. Synchronous strategies run <see cref="SyncRounds"/>; fedbuff runs <see cref="FedBuffLoop"/>.
/// </summary>
public sealed class Simulator : IDisposable
{
    readonly Evaluator _evaluator;

    public Simulator(JobSpec spec, SimulationOptions? options = null) : this(null, spec, options) { }

    /// <summary>
    /// A simulation on data the caller split itself (each client's own files, or a feature shift per client, which no
    /// partition of one data set makes); the spec's data section then only names the set.
    /// </summary>
    public Simulator(JobSpec spec, FederatedData data, SimulationOptions? options = null) : this(data, spec, options) { }

    Simulator(FederatedData? data, JobSpec spec, SimulationOptions? options)
    {
        Spec = spec;
        Options = options ?? new SimulationOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.Parallelism);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.CheckpointEvery);
        Plan = JobPlan.From(spec);
        if (Options.ResumeFrom is not null && Plan.IsAsync)
            throw new InvalidOperationException("resuming from a checkpoint is supported for synchronous strategies, not fedbuff");
        Model = Plan.CreateModel(SpecFiles.ReadModel(spec.Model, Options.BaseDirectory));
        Template = Model.InitialParameters();
        Plan = Plan.ForModel((int)Template.Count);
        Data = data ?? FederatedData.Load(Plan, Model, Options.BaseDirectory);
        Setup = LocalSetup.From(Plan);
        ClientIds = Enumerable.Range(0, Data.ClientCount).Select(ClientId).ToArray();
        Available = Enumerable.Range(0, Data.ClientCount).Where(i => Data.ClientIndices[i].Length > 0).Select(i => ClientIds[i]).ToArray();
        if (Available.Count == 0) throw new JobSpecException("data.clients", "the partition left every client without samples");
        Strategy = Plan.CreateStrategy(Available.Count, Model);
        Speeds = Options.ClientSpeed is { } f ? new ClientSpeeds(f) : ClientSpeeds.From(spec);
        // One ORT thread per Trainer when several train at once: the cores are shared between clients, not ops.
        var runtime = new RuntimeOptions { IntraOpThreads = Options.Parallelism > 1 ? 1 : 0 };
        Pool = new TrainerPool(new ArtifactCache(Model, Setup.Options), Template, Options.Parallelism, runtime);
        Compression = UploadCompression.For(spec, Template);
        Local = Plan.LocalTensorsOf(Model) is { } local ? new ClientLocalTensors(local) : null;
        Attack = spec.Simulation.Attack is { } attack ? new SimulatedAttack(attack, this) : null;
        Runner = new ClientRunner(Data, Setup, Pool, Template, Plan, Options.StepsPerCall, Compression, Local, Attack?.Poisoned);
        _evaluator = new Evaluator(Model, 1000);
    }

    public JobSpec Spec { get; }
    /// <summary>What the spec decides (strategy, options, hyperparameters, partition, seeds): the coordinator's plan too.</summary>
    public JobPlan Plan { get; }
    public SimulationOptions Options { get; }
    public TrainableModel Model { get; }
    public FederatedData Data { get; }
    public LocalSetup Setup { get; }
    public ParameterSet Template { get; }
    public IStrategy Strategy { get; }
    public ClientSpeeds Speeds { get; }
    public TrainerPool Pool { get; }
    public ClientRunner Runner { get; }
    /// <summary>The job's upload codec as workers and the coordinator apply it; null for dense F32 uploads.</summary>
    public UploadCompression? Compression { get; }
    /// <summary>FedBN (model.fedbn): each client's own BatchNorm tensors; null when every tensor is federated.</summary>
    public ClientLocalTensors? Local { get; }
    /// <summary>The Byzantine attack some clients mount (simulation.attack); null when every client is honest.</summary>
    public SimulatedAttack? Attack { get; }
    /// <summary>Client momentum of the robust stage (strategy.aggregator.momentum), which checkpoints carry; null without it.</summary>
    internal InMemoryClientMomentumStore? Momenta => Robust?.Pipeline.Momentum?.Store as InMemoryClientMomentumStore;
    /// <summary>The robust stage (strategy.aggregator, inside FedBN's wrapper too); null when rounds take the streaming mean.</summary>
    public RobustStrategy? Robust => RobustRoundStats.StrategyOf(Strategy);
    internal string[] ClientIds { get; }
    /// <summary>Ids of clients that hold data, the pool selection draws from.</summary>
    public IReadOnlyList<string> Available { get; }
    /// <summary>Rounds to run: the spec's (or the run's override), fewer when the privacy budget affords fewer.</summary>
    public int Rounds => (int)Math.Min(Options.Rounds ?? Spec.Rounds, Plan.Privacy?.MaxRounds ?? long.MaxValue);

    public static string ClientId(int index) => $"c{index}";
    public static int ClientIndex(string id) => int.Parse(id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);

    public SimulationResult Run(CancellationToken cancel = default) =>
        Plan.IsAsync ? new FedBuffLoop(this).Run(cancel) : new SyncRounds(this).Run(cancel);

    /// <summary>
    /// Test accuracy and loss of flat global weights (or on <paramref name="data"/>); for FedBN, once clients have
    /// trained, the mean over them of the global weights with each one's own BatchNorm tensors (<see cref="PersonalizedEvaluation"/>).
    /// </summary>
    public EvaluationResult Evaluate(float[] weights, Tessera.Data.Dataset? data = null)
    {
        var kept = Local?.Snapshot();
        if (kept is not { Count: > 0 }) return _evaluator.Evaluate(Template.WithValues(weights), data ?? Data.Test);
        return PersonalizedEvaluation.Mean(kept.Keys.Select(client => EvaluateClient(weights, client, data)).ToList());
    }

    /// <summary>Client <paramref name="client"/>'s model (FedBN: the global weights with its own BatchNorm tensors) on the test set, or on <paramref name="data"/>.</summary>
    public EvaluationResult EvaluateClient(float[] weights, int client, Tessera.Data.Dataset? data = null) =>
        _evaluator.Evaluate(Template.WithValues(Local?.StartFrom(client, weights) ?? weights), data ?? Data.Test);

    /// <summary><see cref="Evaluate"/> on the validation split (simulation.validation_samples); null without one.</summary>
    public EvaluationResult? EvaluateValidation(float[] weights) => Data.Validation is { } v ? Evaluate(weights, v) : null;

    /// <summary>Backdoor: the share of triggered test samples of other classes the global model puts in the target class.</summary>
    internal double? AttackSuccessRate(float[] weights) =>
        Attack?.Backdoor is { } b ? _evaluator.Evaluate(Template.WithValues(weights), b.Triggered).Accuracy : null;

    /// <summary>Steps and simulated seconds of one client's task (known before it trains).</summary>
    internal (int Steps, double Seconds) TaskCost(int client)
    {
        int n = Data.ClientIndices[client].Length;
        int steps = Setup.StepsFor(n);
        return (steps, Speeds.Seconds(client, (long)steps * Setup.BatchFor(n)));
    }

    /// <summary>Metrics beyond accuracy and loss each evaluation reports for this model and test set.</summary>
    public IReadOnlyList<string> MetricNames => QualityMetrics.Names(Model, Data.Test);

    internal bool ShouldEvaluate(int round) => round % Spec.EvalEvery == 0 || round == Rounds;

    public void Dispose()
    {
        Pool.Dispose();
        _evaluator.Dispose();
    }
}

/// <summary>Accumulates one round's train loss, client and sample counts.</summary>
internal sealed class RoundTally
{
    double _lossSum;
    long _lossCount;
    public int Clients { get; private set; }
    public long Samples { get; private set; }
    /// <summary>Wire bytes of the round's folded uploads.</summary>
    public long UploadBytes { get; private set; }
    public int Dropped { get; set; }
    /// <summary>Folded updates that came from Byzantine clients.</summary>
    public int Byzantine { get; set; }
    /// <summary>The robust stage's fates this round, summarized; null with the streaming mean or no update.</summary>
    public RobustRoundStats? Robust { get; set; }
    public PrivacyRoundStats? Privacy { get; set; }

    public void Add(ClientOutcome o)
    {
        _lossSum += o.LossSum;
        _lossCount += o.LossCount;
        Clients++;
        Samples += o.Update.SampleCount;
        UploadBytes += o.UploadBytes;
    }

    public double MeanLoss => _lossCount == 0 ? double.NaN : _lossSum / _lossCount;

    public void Reset()
    {
        _lossSum = 0; _lossCount = 0; Clients = 0; Samples = 0; UploadBytes = 0; Dropped = 0; Byzantine = 0; Robust = null; Privacy = null;
    }
}

/// <summary>Builds each round's record, evaluating when due, and tracks rounds-to-target.</summary>
internal sealed class MetricsLog(Simulator sim)
{
    readonly Stopwatch _wall = Stopwatch.StartNew();
    double _wallBefore;   // wall time of the runs this one continues
    public List<RoundMetrics> Rounds { get; } = new();
    public StopRule Stop { get; } = new(sim.Spec.TargetAccuracy, sim.Spec.Patience);
    /// <summary>Why the run ended before its last round without reaching the target (patience, or the privacy budget at <paramref name="final"/>).</summary>
    public string? StoppedEarly(GlobalModel final) => Stop.ReachedAt is null ? Stop.Reason ?? sim.Plan.Privacy?.StopReason(final, sim.Options.Rounds ?? sim.Spec.Rounds) : null;
    public double WallSeconds => _wallBefore + _wall.Elapsed.TotalSeconds;

    /// <summary>Takes over the rounds recorded before a checkpoint (not re-announced: they were reported when run).</summary>
    public void Restore(SimulationCheckpoint from)
    {
        Rounds.AddRange(from.Rounds);
        // Replayed rather than copied: the target and patience may have changed since. Round 0 (the initial model) is
        // not a round the rule counts, as in Record.
        foreach (var r in from.Rounds) if (r.Round > 0 && r.TestAccuracy is { } acc) Stop.Observe(r.Round, acc);
        _wallBefore = from.WallSeconds;
    }

    public void Initial(float[] weights)
    {
        if (!sim.Options.EvaluateInitialModel) return;
        var e = sim.Evaluate(weights);
        Add(new RoundMetrics(0, e.Accuracy, e.Loss, double.NaN, 0, 0, 0, 0, WallSeconds, e.Metrics, sim.Attack?.Name, 0, sim.AttackSuccessRate(weights)));
    }

    /// <returns>True when the run should stop: the target accuracy was reached, or patience ran out.</returns>
    public bool Record(int round, float[] weights, RoundTally tally, double simulatedSeconds)
    {
        double? acc = null, loss = null;
        IReadOnlyDictionary<string, double>? metrics = null;
        double? successRate = null;
        if (sim.ShouldEvaluate(round))
        {
            var e = sim.Evaluate(weights);
            (acc, loss, metrics) = (e.Accuracy, e.Loss, e.Metrics);
            successRate = sim.AttackSuccessRate(weights);
        }
        Add(new RoundMetrics(round, acc, loss, tally.MeanLoss, tally.Clients, tally.Samples, tally.Dropped, simulatedSeconds, WallSeconds, metrics,
            sim.Attack?.Name, tally.Byzantine, successRate, tally.Robust, tally.Privacy, tally.UploadBytes));
        if (acc is { } a) Stop.Observe(round, a);
        return Stop.Stopped;
    }

    void Add(RoundMetrics m)
    {
        Rounds.Add(m);
        sim.Options.Events.RoundFinished?.Invoke(m);
    }
}
