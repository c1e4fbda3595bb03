using Tessera.Data.Loading;
using Tessera.Federation.Planning;
using Tessera.Federation.Strategies;
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
    public required MnistLayout Layout { get; init; }
    /// <summary>Sample indices (into the MNIST training set) of each shard.</summary>
    public required int[][] Shards { get; init; }

    public IReadOnlyDictionary<string, double> Hyperparameters => Plan.ClientHyperparameters;

    /// <summary>Builds the setup, or throws <see cref="JobSpecException"/> naming the field the coordinator cannot serve.</summary>
    public static JobSetup Create(JobSpec spec, DataCatalog data)
    {
        if (spec.Strategy.Name == "fedsgd" || spec.Local.BatchSize == 0)
            throw new JobSpecException("local.batch_size", "full-batch training (fedsgd) is not served by the coordinator; give a batch size");
        if (spec.Data.Dataset != "mnist")
            throw new JobSpecException("data.dataset", $"'{spec.Data.Dataset}' is not served by the coordinator yet; use mnist");
        var plan = JobPlan.From(spec);
        if (plan.UsesControlVariates && spec.Upload.ForTask() is not null)
            throw new JobSpecException("upload.codec", "scaffold jobs upload dense (f32) updates: Δc_i travels next to the delta, uncompressed");
        var model = plan.CreateModel();
        if (model.Name is not ("2nn" or "cnn" or "logreg"))
            throw new JobSpecException("model", $"'{spec.Model}' does not train on mnist; use logreg, 2nn or cnn");

        var layout = model.SampleShape.Length == 1 ? MnistLayout.Flat : MnistLayout.Image;
        var train = data.Mnist(MnistSplit.Train, layout);
        int n = spec.Data.TrainSamples > 0 ? Math.Min(spec.Data.TrainSamples, train.Count) : train.Count;
        if (n < spec.Data.Clients)
            throw new JobSpecException("data.clients", $"{spec.Data.Clients} clients but only {n} training samples");
        var shards = plan.Partition(train.Labels!.AsSpan(0, n).ToArray());
        int withData = shards.Count(s => s.Length > 0);
        if (withData == 0) throw new JobSpecException("data.clients", "the partition left every client without samples");
        // c ← c + |S|/N·mean Δc needs |S| ≤ N: a round may not count more workers than the federation has clients.
        if (plan.UsesControlVariates && (spec.ClientsPerRound is not { } k || k > withData))
            throw new JobSpecException("clients_per_round", $"scaffold needs clients_per_round of at most the {withData} clients holding data (data.clients)");
        return new JobSetup
        {
            Spec = spec, Plan = plan, Model = model, Artifact = ArtifactCompiler.CompileTraining(model, plan.Options), Layout = layout,
            // SCAFFOLD's N is the clients that hold data, as in the simulator; workers are mapped onto them.
            Strategy = plan.CreateStrategy(withData), Template = model.InitialParameters(), Shards = shards,
        };
    }

    /// <summary>Hyperparameters the training artifact actually takes.</summary>
    public IReadOnlyDictionary<string, double> TaskHyperparameters() =>
        Hyperparameters.Where(kv => Artifact.Manifest.Hyperparameters.Contains(kv.Key)).ToDictionary();

    /// <summary>A task's training seed by the plan's rule; the task id's random hex stands in for the client index.</summary>
    public ulong TaskSeed(TaskInfo t) => Plan.TrainingSeed(t.Round, unchecked((long)Convert.ToUInt64(t.Id[2..], 16)));

    /// <summary>Credits per trained sample: GFLOP of verified work.</summary>
    public double CreditsPerSample => Artifact.Manifest.FlopsPerSample / 1e9;

    public bool UsesControlVariates => Plan.UsesControlVariates;
}
