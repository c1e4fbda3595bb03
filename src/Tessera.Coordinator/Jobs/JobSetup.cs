using Tessera.Data;
using Tessera.Data.Loading;
using Tessera.Data.Partitioning;
using Tessera.Federation;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Protocol.Jobs;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Everything a job spec determines and a restart must rebuild identically: the model, the training
/// artifact (so its sha256 is stable), the strategy, the client hyperparameters and the data partition.
/// </summary>
public sealed class JobSetup
{
    public required JobSpec Spec { get; init; }
    public required TrainableModel Model { get; init; }
    public required Artifact Artifact { get; init; }
    public required IStrategy Strategy { get; init; }
    public required ParameterSet Template { get; init; }
    public required IReadOnlyDictionary<string, double> Hyperparameters { get; init; }
    public required MnistLayout Layout { get; init; }
    /// <summary>Sample indices (into the MNIST training set) of each shard.</summary>
    public required int[][] Shards { get; init; }

    /// <summary>Strategies whose server side the coordinator runs; the rest need client state it does not keep yet.</summary>
    public static readonly string[] Supported = ["fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox", "fedbuff"];

    /// <summary>Builds the setup, or throws <see cref="JobSpecException"/> naming the field the coordinator cannot serve.</summary>
    public static JobSetup Create(JobSpec spec, DataCatalog data)
    {
        if (!Supported.Contains(spec.Strategy.Name))
            throw new JobSpecException("strategy.name", $"'{spec.Strategy.Name}' is not served by the coordinator yet; use one of {string.Join(", ", Supported)} (or `tessera simulate`)");
        if (spec.Data.Dataset != "mnist")
            throw new JobSpecException("data.dataset", $"'{spec.Data.Dataset}' is not served by the coordinator yet; use mnist");
        if (spec.Local.BatchSize == 0)
            throw new JobSpecException("local.batch_size", "full-batch training is not served by the coordinator; give a batch size");
        TrainableModel model;
        try { model = ModelZoo.Create(spec.Model, spec.Seed); }
        catch (ArgumentException e) { throw new JobSpecException("model", e.Message); }
        if (model.Name is not ("2nn" or "cnn" or "logreg"))
            throw new JobSpecException("model", $"'{spec.Model}' does not train on mnist; use logreg, 2nn or cnn");

        var local = spec.Local;
        var optimizer = local.Optimizer switch { "adam" => OptimizerKind.Adam, "adamw" => OptimizerKind.AdamW, _ => OptimizerKind.Sgd };
        var options = new TrainingOptions
        {
            BatchSize = local.BatchSize, Optimizer = optimizer, Momentum = optimizer == OptimizerKind.Sgd && local.Momentum > 0,
            WeightDecay = local.WeightDecay > 0, ClipGradientNorm = local.ClipNorm is not null, FedProx = spec.Strategy.Name == "fedprox",
        };
        var hp = new Dictionary<string, double>
        {
            ["lr"] = local.LearningRate, ["momentum"] = local.Momentum, ["weight_decay"] = local.WeightDecay,
            ["clip_norm"] = local.ClipNorm ?? 1.0, ["prox_mu"] = spec.Strategy.Mu,
        };

        var selector = new ClientSelector(spec.Fraction, spec.ClientsPerRound, spec.MinClients, spec.OverSelection, spec.Seed);
        float slr = (float)spec.Strategy.ServerLearningRate;
        var s = spec.Strategy;
        IStrategy strategy = s.Name switch
        {
            "fedavgm" => new FedAvgM(selector, hp, slr, (float)s.ServerMomentum),
            "fedadam" => new FedAdam(selector, hp, slr, (float)s.Beta1, (float)s.Beta2, (float)s.Tau),
            "fedyogi" => new FedYogi(selector, hp, slr, (float)s.Beta1, (float)s.Beta2, (float)s.Tau),
            "fedadagrad" => new FedAdagrad(selector, hp, slr, (float)s.Beta1, (float)s.Tau),
            "fedprox" => new FedProx(s.Mu, selector, hp, slr),
            // fedbuff: FedAvg is the server step applied to each full buffer.
            _ => new FedAvg(selector, hp, slr),
        };

        var layout = model.SampleShape.Length == 1 ? MnistLayout.Flat : MnistLayout.Image;
        var train = data.Mnist(MnistSplit.Train, layout);
        int n = spec.Data.TrainSamples > 0 ? Math.Min(spec.Data.TrainSamples, train.Count) : train.Count;
        var labels = train.Labels!.AsSpan(0, n).ToArray();
        var partitioner = PartitionerFactory.Create(spec.Data.Partition, spec.Data.Alpha, spec.Data.ShardsPerClient);
        return new JobSetup
        {
            Spec = spec, Model = model, Artifact = ArtifactCompiler.CompileTraining(model, options), Strategy = strategy,
            Template = model.InitialParameters(), Hyperparameters = hp, Layout = layout,
            Shards = partitioner.Split(labels, spec.Data.Clients, spec.Seed),
        };
    }

    /// <summary>Hyperparameters the training artifact actually takes.</summary>
    public IReadOnlyDictionary<string, double> TaskHyperparameters() =>
        Hyperparameters.Where(kv => Artifact.Manifest.Hyperparameters.Contains(kv.Key)).ToDictionary();

    /// <summary>Credits per trained sample: GFLOP of verified work.</summary>
    public double CreditsPerSample => Artifact.Manifest.FlopsPerSample / 1e9;
}
