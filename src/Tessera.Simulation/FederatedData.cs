using Tessera.Data;
using Tessera.Data.Loading;
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
    /// <summary>Sample indices into <see cref="Train"/> per client (client i is "c{i}").</summary>
    public int[][] ClientIndices { get; }

    public FederatedData(Dataset train, Dataset test, int[][] clientIndices)
    {
        Train = train;
        Test = test;
        ClientIndices = clientIndices;
    }

    public int ClientCount => ClientIndices.Length;

    /// <summary>Default sizes of the synthetic data set (Gaussian blobs shaped like flat MNIST).</summary>
    public const int SyntheticTrainDefault = 6000, SyntheticTestDefault = 1000;

    public static FederatedData Load(JobPlan plan, TrainableModel model)
    {
        var spec = plan.Spec;
        var (train, test) = spec.Data.Dataset switch
        {
            "mnist" => LoadMnist(model),
            "synthetic" => Synthetic(spec),
            var d => throw new JobSpecException("data.dataset", $"'{d}' is not supported by the simulator"),
        };
        if (spec.Data.TrainSamples > 0 && spec.Data.TrainSamples < train.Count) train = train.Select(Enumerable.Range(0, spec.Data.TrainSamples).ToArray());
        if (spec.Data.TestSamples > 0 && spec.Data.TestSamples < test.Count) test = test.Select(Enumerable.Range(0, spec.Data.TestSamples).ToArray());
        if (train.Count < spec.Data.Clients)
            throw new JobSpecException("data.clients", $"{spec.Data.Clients} clients but only {train.Count} training samples");

        // Label-blind partitioners only need the count, so a set without labels gets all-zero ones.
        return new FederatedData(train, test, plan.Partition(train.Labels ?? new long[train.Count]));
    }

    static (Dataset, Dataset) LoadMnist(TrainableModel model)
    {
        var layout = model.SampleShape.Length == 1 ? MnistLayout.Flat : MnistLayout.Image;
        if (model.SampleShape.Aggregate(1L, (a, b) => a * b) != 784)
            throw new JobSpecException("model", $"'{model.Name}' does not take 28x28 MNIST images; use logreg, 2nn or cnn");
        return (MnistLoader.LoadTrain(layout), MnistLoader.LoadTest(layout));
    }

    /// <summary>
    /// Gaussian blobs with flat-MNIST shape (784 features, 10 classes). The class centres are close
    /// (separation 0.08 per coordinate) so the task is learnable but not solved in one step.
    /// </summary>
    static (Dataset, Dataset) Synthetic(JobSpec spec)
    {
        int n = spec.Data.TrainSamples > 0 ? spec.Data.TrainSamples : SyntheticTrainDefault;
        int t = spec.Data.TestSamples > 0 ? spec.Data.TestSamples : SyntheticTestDefault;
        // One draw for train and test, so both share the same class centres; then split.
        ulong seed = SeedMixer.Derive(spec.Seed, SeedMixer.SyntheticTrain);
        var all = SyntheticData.GaussianBlobs(n + t, 10, 784, seed, separation: 0.08f, spread: 1f);
        return (all.Select(Enumerable.Range(0, n).ToArray()), all.Select(Enumerable.Range(n, t).ToArray()));
    }
}
