using Tessera.Data.Partitioning;
using Tessera.Federation.Personalization;
using Tessera.Federation.Robust;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>
/// Everything a job spec decides about the computation, derived in one place for the simulator and the
/// coordinator alike (DESIGN §4/§6: a simulated and a deployed job are the same computation): the strategy and
/// its parameters, the training artifact's graph options, the client hyperparameters, the data partition and
/// every seed (one rule, <see cref="SeedMixer"/>). Pure: callers load data and compile artifacts.
/// </summary>
public sealed class JobPlan
{
    JobPlan(JobSpec spec, TrainingOptions options, IReadOnlyDictionary<string, double> hyperparameters, IPartitioner partitioner, PrivacyPlan? privacy)
    {
        Spec = spec;
        Privacy = privacy;
        Options = options;
        ClientHyperparameters = hyperparameters;
        Partitioner = partitioner;
    }

    public JobSpec Spec { get; }

    /// <summary>Graph options of the training artifact. BatchSize is the spec's; full-batch jobs (0) get a placeholder 1 and compile per client size.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Scalar inputs of the training artifact by name (lr, momentum, weight_decay, clip_norm, prox_mu); the artifact takes those it declares.</summary>
    public IReadOnlyDictionary<string, double> ClientHyperparameters { get; }

    public IPartitioner Partitioner { get; }

    /// <summary>Differential privacy (privacy.dp): noise, sampling, budget; null without it.</summary>
    public PrivacyPlan? Privacy { get; }

    /// <summary>
    /// The plan for a model of <paramref name="parameters"/> values: what depends on the model's length (distributed
    /// noise's accounting) made again; everything else is this plan's.
    /// </summary>
    public JobPlan ForModel(int parameters) =>
        Privacy is { IsDistributed: true } ? new JobPlan(Spec, Options, ClientHyperparameters, Partitioner, PrivacyPlan.From(Spec, parameters)) : this;

    /// <summary>The rounds the job runs at most: its rounds, or fewer when the privacy budget affords fewer.</summary>
    public int RoundLimit => Privacy is { } p ? (int)Math.Min(Spec.Rounds, p.MaxRounds) : Spec.Rounds;

    public bool IsAsync => Spec.Strategy.Name == "fedbuff";
    public bool UsesProx => Options.FedProx;
    public bool UsesControlVariates => Options.Scaffold;

    public ulong PartitionSeed => SeedMixer.Derive(Spec.Seed, SeedMixer.Partition);
    public ulong SelectionSeed => SeedMixer.Derive(Spec.Seed, SeedMixer.Selection);

    /// <summary>Seed of one client's local run (batch order, dropout); <paramref name="client"/> is any stable per-task number.</summary>
    public ulong TrainingSeed(long round, long client) => SeedMixer.Derive(Spec.Seed, SeedMixer.Training, round, client);

    /// <summary>Validates the local-training section and derives the plan; throws <see cref="JobSpecException"/> naming the field.</summary>
    public static JobPlan From(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var l = spec.Local;
        var optimizer = l.Optimizer switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adam" => OptimizerKind.Adam,
            "adamw" => OptimizerKind.AdamW,
            var o => throw new JobSpecException("local.optimizer", $"'{o}' is not supported"),
        };
        if (l.Momentum > 0 && optimizer != OptimizerKind.Sgd)
            throw new JobSpecException("local.momentum", "momentum applies to the sgd optimizer only");
        var options = new TrainingOptions
        {
            BatchSize = l.BatchSize > 0 ? l.BatchSize : 1,
            Optimizer = optimizer,
            Momentum = l.Momentum > 0,
            WeightDecay = l.WeightDecay > 0,
            ClipGradientNorm = l.ClipNorm is not null,
            FedProx = spec.Strategy.Name == "fedprox",
            Scaffold = spec.Strategy.Name == "scaffold",
            LocalBatchNorm = spec.Model.FedBn,
        };
        var hp = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["lr"] = l.LearningRate,
            ["momentum"] = l.Momentum,
            ["weight_decay"] = l.WeightDecay,
            ["clip_norm"] = l.ClipNorm ?? 1.0,
            ["prox_mu"] = spec.Strategy.Mu,
        };
        IPartitioner partitioner;
        try { partitioner = PartitionerFactory.Create(spec.Data.Partition, spec.Data.Alpha, spec.Data.ShardsPerClient, spec.Data.Gamma ?? 0.5); }
        catch (ArgumentException e) { throw new JobSpecException("data.partition", e.Message); }
        return new JobPlan(spec, options, hp, partitioner, PrivacyPlan.From(spec));
    }

    /// <summary>The graph options for one compiled batch size.</summary>
    public TrainingOptions OptionsFor(int batchSize) => Options with { BatchSize = batchSize };

    /// <summary>
    /// The model with its initial weights: a zoo model's from the job seed itself (so weights stay what they always
    /// were), an ONNX model's from its initializers.
    /// </summary>
    /// <param name="onnx">The bytes of the spec's ONNX model, when it names one.</param>
    public TrainableModel CreateModel(byte[]? onnx = null)
    {
        var model = ModelFactory.Create(Spec.Model, Spec.Seed, onnx);
        // Refused here, where the imported graph is known: FedBN without BatchNorm buffers would silently be FedAvg.
        if (Spec.Model.FedBn && BatchNormLayers.LocalTensors(model).Count == 0)
            throw new JobSpecException("model.fedbn", $"{Spec.Model} has no BatchNorm layer with running statistics to keep local " +
                "(export it with training=torch.onnx.TrainingMode.TRAINING so they become buffers; an eval-mode export keeps them fixed)");
        return model;
    }

    /// <summary>FedBN: where the model's client-local BatchNorm tensors lie in its weight vector; null when the job federates every tensor.</summary>
    public LocalTensors? LocalTensorsOf(TrainableModel model) => Spec.Model.FedBn ? LocalTensors.BatchNormOf(model) : null;

    /// <summary>Sample indices per client (data.clients of them) of a training set with these labels.</summary>
    public int[][] Partition(IReadOnlyList<long> labels)
    {
        try { return Partitioner.Split(labels, Spec.Data.Clients, PartitionSeed); }
        catch (ArgumentException e) { throw new JobSpecException("data.partition", e.Message); }
    }

    public ClientSelector CreateSelector() =>
        new(Spec.Fraction, Spec.ClientsPerRound, Spec.MinClients, Spec.OverSelection, SelectionSeed,
            poissonRate: Privacy is { IsLocal: false, Spec.Sampling: DpSpec.Poisson } p ? p.ExpectedClients / (double)p.Population : null);

    /// <summary>
    /// The server side. "fedsgd" is FedAvg (its local side, full batch and one epoch, is what makes it FedSGD);
    /// "fedbuff" returns the server step each full buffer is applied with. Client hyperparameters travel in the
    /// task, not through the strategy.
    /// </summary>
    /// <param name="clientsWithData">Clients that can be selected (N in SCAFFOLD's c ← c + |S|/N·mean Δc).</param>
    /// <param name="model">The job's model; needed with model.fedbn, whose server step keeps the BatchNorm tensors fixed.</param>
    /// <param name="buffers">Robust aggregators: where a round's cohort is held (in memory unless the caller spills it).</param>
    /// <param name="momenta">Robust aggregators with client momentum: where each client's momentum is kept.</param>
    /// <param name="noise">privacy.dp: the generator of a round's noise; by default seeded from the job seed (the simulator's reproducible runs).</param>
    public IStrategy CreateStrategy(int clientsWithData, TrainableModel? model = null, IUpdateBufferFactory? buffers = null, IClientMomentumStore? momenta = null,
        Func<int, Tessera.Data.DeterministicRandom>? noise = null)
    {
        var server = CreateServerStrategy(clientsWithData);
        // The rules refuse DP with a robust rule, so at most one of the two wraps the server step.
        if (Privacy is { } privacy)
            server = new Privacy.PrivateStrategy(server, privacy.Mechanism, noise ?? (round => new Tessera.Data.DeterministicRandom(SeedMixer.Derive(Spec.Seed, SeedMixer.PrivacyNoise, round))));
        // FedBN goes outside: it pins its tensors after the robust stage and the server step have run.
        if (RobustPlan.Create(Spec.Strategy.Aggregator, Spec.Seed, momenta) is { } pipeline)
            server = new RobustStrategy(server, pipeline, buffers);
        if (!Spec.Model.FedBn) return server;
        if (model is null) throw new InvalidOperationException("a fedbn job's strategy needs the model, to know its BatchNorm tensors");
        return new FedBnStrategy(server, LocalTensors.BatchNormOf(model));
    }

    IStrategy CreateServerStrategy(int clientsWithData)
    {
        var s = Spec.Strategy;
        var selector = CreateSelector();
        float lr = (float)s.ServerLearningRate;
        return s.Name switch
        {
            "fedsgd" or "fedavg" or "fedbuff" => new FedAvg(selector, serverLearningRate: lr),
            "fedavgm" => new FedAvgM(selector, serverLearningRate: lr, momentum: (float)s.ServerMomentum),
            "fedadam" => new FedAdam(selector, serverLearningRate: lr, beta1: (float)s.Beta1, beta2: (float)s.Beta2, tau: (float)s.Tau),
            "fedyogi" => new FedYogi(selector, serverLearningRate: lr, beta1: (float)s.Beta1, beta2: (float)s.Beta2, tau: (float)s.Tau),
            "fedadagrad" => new FedAdagrad(selector, serverLearningRate: lr, beta1: (float)s.Beta1, tau: (float)s.Tau),
            "fedprox" => new FedProx(s.Mu, selector, serverLearningRate: lr),
            "scaffold" => new Scaffold(clientsWithData, selector, globalLearningRate: lr),
            "fednova" => new FedNova(selector, serverLearningRate: lr),
            var name => throw new JobSpecException("strategy.name", $"'{name}' is not a known strategy"),
        };
    }
}
