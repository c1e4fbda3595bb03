using Tessera.Federation.Planning;
using Tessera.Federation.Strategies;
using Tessera.Federation.Trust;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// A job's plan (<see cref="JobPlan"/>, shared with the simulator) made concrete at this coordinator: the model,
/// the compiled training artifact (so its sha256 is stable across restarts), the strategy and the data partition
/// cut from the coordinator's copy of the data set. Only what deployment adds lives here.
/// </summary>
public sealed class JobSetup
{
    public required JobSpec Spec { get; init; }
    public required JobPlan Plan { get; init; }
    public required TrainableModel Model { get; init; }
    public required Artifact Artifact { get; init; }
    public required IStrategy Strategy { get; init; }
    public required ParameterSet Template { get; init; }
    /// <summary>The training set shards are cut from; null when the data stays on the workers.</summary>
    public required Tessera.Data.Dataset? Train { get; init; }
    /// <summary>The coordinator-side test set (evaluation.dataset); null when the job evaluates only where the data is.</summary>
    public required Tessera.Data.Dataset? Test { get; init; }
    /// <summary>Sample indices (into <see cref="Train"/>) of each shard; empty when the data stays on the workers.</summary>
    public required int[][] Shards { get; init; }

    public IReadOnlyDictionary<string, double> Hyperparameters => Plan.ClientHyperparameters;

    /// <summary>The robust stage when strategy.aggregator needs the cohort; null for the streaming mean.</summary>
    public Federation.Robust.RobustStrategy? Robust => (Strategy is Federation.Personalization.FedBnStrategy f ? f.Inner : Strategy) as Federation.Robust.RobustStrategy;

    /// <summary>
    /// This node's aggregator for a round attempt: the strategy's streaming sum, or, with a robust aggregator, a spill
    /// file under the blob folder that the job grain reads with every other node's at close.
    /// </summary>
    public Federation.IRoundAggregator OpenRound(string jobId, int round, int attempt, Federation.GlobalModel model, Storage.BlobStore blobs, string node) =>
        Robust is null ? Strategy.BeginRound(round, model) : new SpilledRoundAggregator(round, model, blobs.SpillPath(jobId, round, attempt, node));

    /// <summary>Builds the setup, or throws <see cref="JobSpecException"/> naming the field the coordinator cannot serve.</summary>
    /// <param name="models">The bytes of an uploaded ONNX model by sha256; null when unknown.</param>
    /// <param name="blobs">Where client momenta persist (strategy.aggregator.momentum); null keeps them in memory (estimates, tests).</param>
    public static JobSetup Create(JobSpec spec, DataCatalog data, Func<string, byte[]?> models, Storage.BlobStore? blobs = null)
    {
        if (spec.Strategy.Name == "fedsgd" || spec.Local.BatchSize == 0)
            throw new JobSpecException("local.batch_size", "full-batch training (fedsgd) is not served by the coordinator; give a batch size");
        var plan = JobPlan.From(spec);
        if (plan.UsesControlVariates && spec.Upload.ForTask() is { IsDense: false })
            throw new JobSpecException("upload.codec", "scaffold jobs upload dense (f32, fp16 or bf16) updates: Δc_i travels next to the delta, uncompressed");
        if (spec.Model is { Onnx: not null, Sha256: null })
            throw new JobSpecException("model.onnx", "send the model file with the spec (multipart/form-data) or upload it first (POST /api/v1/models) and name its sha256");
        byte[]? onnx = spec.Model.Sha256 is { } sha ? models(sha) ?? throw new JobSpecException("model.sha256", $"no model {sha} was uploaded; POST it to /api/v1/models first") : null;
        var model = plan.CreateModel(onnx);
        var template = model.InitialParameters();
        plan = plan.ForModel((int)template.Count);

        var own = spec.Data.OnWorkers ? null : data.For(spec, model);
        var train = own?.Train;
        var e = spec.Evaluation;
        var test = !e.OnCoordinator ? null : e.Dataset == "test" ? own!.Test : data.EvaluationSet(spec, model, e.Dataset);
        int[][] shards = [];
        int withData = spec.Data.Clients;
        if (train is not null)
        {
            int n = spec.Data.TrainSamples > 0 ? Math.Min(spec.Data.TrainSamples, train.Count) : train.Count;
            if (n < spec.Data.Clients)
                throw new JobSpecException("data.clients", $"{spec.Data.Clients} clients but only {n} training samples");
            shards = plan.Partition(JobDatasets.PartitionLabels(train, n));
            withData = shards.Count(s => s.Length > 0);
            if (withData == 0) throw new JobSpecException("data.clients", "the partition left every client without samples");
        }
        // c ← c + |S|/N·mean Δc needs |S| ≤ N: a round may not count more workers than the federation has clients.
        if (plan.UsesControlVariates && (spec.ClientsPerRound is not { } k || k > withData))
            throw new JobSpecException("clients_per_round", $"scaffold needs clients_per_round of at most the {withData} clients holding data (data.clients)");
        return new JobSetup
        {
            Spec = spec, Plan = plan, Model = model, Artifact = ArtifactCompiler.CompileTraining(model, plan.Options), Train = train, Test = test,
            // SCAFFOLD's N is the clients that hold data, as in the simulator; workers are mapped onto them.
            // DP noise no worker can predict (the simulator's is seeded from the job seed, for reproducible runs).
            Strategy = plan.CreateStrategy(withData, model, momenta: blobs is null ? null : new Storage.MomentumFiles(blobs), noise: _ => Federation.Privacy.GaussianNoise.Unpredictable()),
            Template = template, Shards = shards,
        };
    }

    /// <summary>Hyperparameters the training artifact actually takes.</summary>
    public IReadOnlyDictionary<string, double> TaskHyperparameters() =>
        Hyperparameters.Where(kv => Artifact.Manifest.Hyperparameters.Contains(kv.Key)).ToDictionary();

    /// <summary>A task's training seed by the plan's rule; the task id's random hex stands in for the client index.</summary>
    public ulong TaskSeed(TaskInfo t) => Plan.TrainingSeed(t.Round, unchecked((long)Convert.ToUInt64(t.Id[2..], 16)));

    /// <summary>
    /// Whether this job's work can be audited by replay: verification is on and it trains on coordinator-served
    /// shards (its tasks then never use a worker's own copy of the data set, which no replay could reproduce).
    /// </summary>
    public bool Verifiable => Spec.Verification.Enabled && !Spec.Data.OnWorkers;

    /// <summary>How the job pays: GFLOP of assigned training per task, pending until its audit window closes when verifiable.</summary>
    public CreditRule Credit => CreditRule.For(Artifact.Manifest.FlopsPerSample, Spec.Local.BatchSize, Verifiable, Spec.Verification.GrantAfterRounds);

    public bool UsesControlVariates => Plan.UsesControlVariates;

    /// <summary>
    /// Whether a task also evaluates its base model where the data is: every evaluation.federated_every rounds, on
    /// workers' own data (shards have no held-out split), for synchronous jobs (a round's tasks share one base).
    /// </summary>
    public bool EvaluatesFederated(TaskInfo t) =>
        Spec.Evaluation.FederatedEvery is > 0 and var every && t.LocalData is not null && t.Version > 0 && t.Version % every == 0 && !Plan.IsAsync;
}
