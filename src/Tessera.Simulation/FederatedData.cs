using Tessera.Data;
using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>
/// The job's training set split among its virtual clients, plus the held-out test set the global model is
/// evaluated on. Clients the partition left without samples cannot train and are never selected.
/// </summary>
public sealed class FederatedData
{
    public Dataset Train { get; }
    public Dataset Test { get; }
    /// <summary>simulation.validation_samples held out of the training set (no client has them); null when none.</summary>
    public Dataset? Validation { get; }
    /// <summary>Sample indices into <see cref="Train"/> per client (client i is "c{i}").</summary>
    public int[][] ClientIndices { get; }

    public FederatedData(Dataset train, Dataset test, int[][] clientIndices, Dataset? validation = null)
    {
        Train = train;
        Test = test;
        ClientIndices = clientIndices;
        Validation = validation;
    }

    public int ClientCount => ClientIndices.Length;

    public static FederatedData Load(JobPlan plan, TrainableModel model, string baseDirectory = ".")
    {
        var spec = plan.Spec;
        var files = spec.Data.Path is { } path
            ? new DatasetFiles(SpecFiles.Resolve(baseDirectory, path), spec.Data.TestPath is { } t ? SpecFiles.Resolve(baseDirectory, t) : null)
            : null;
        var (train, test) = JobDatasets.Load(spec, model, files);
        if (spec.Data.TrainSamples > 0 && spec.Data.TrainSamples < train.Count) train = train.Select(Enumerable.Range(0, spec.Data.TrainSamples).ToArray());
        if (spec.Data.TestSamples > 0 && spec.Data.TestSamples < test.Count) test = test.Select(Enumerable.Range(0, spec.Data.TestSamples).ToArray());
        Dataset? validation = null;
        if (spec.Simulation.ValidationSamples is > 0 and var v)
        {
            if (v >= train.Count)
                throw new JobSpecException("simulation.validation_samples", $"{v} held out of {train.Count} training samples leaves none to train on");
            validation = train.Select(Enumerable.Range(train.Count - v, v).ToArray());
            train = train.Select(Enumerable.Range(0, train.Count - v).ToArray());
        }
        if (train.Count < spec.Data.Clients)
            throw new JobSpecException("data.clients", $"{spec.Data.Clients} clients but only {train.Count} training samples");

        return new FederatedData(train, test, plan.Partition(JobDatasets.PartitionLabels(train, train.Count)), validation);
    }
}
