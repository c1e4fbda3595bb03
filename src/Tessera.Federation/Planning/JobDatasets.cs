using Tessera.Data;
using Tessera.Data.Bundled;
using Tessera.Data.Sources;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>The job data set's train and test split, shaped for the model.</summary>
public sealed record JobDataset(Dataset Train, Dataset Test);

/// <summary>
/// Resolves the spec's data set by name, the same way on every machine (DESIGN §9: MNIST is one data set among
/// several): a bundled set, the generated synthetic set, or the user's own files read as data.format says. Every
/// failure is a <see cref="JobSpecException"/> naming the field, the file and what is wrong.
/// </summary>
public static class JobDatasets
{
    public const int SyntheticTrainDefault = 6000, SyntheticTestDefault = 1000;
    /// <summary>Share of a data set without a test split that is held out for evaluation.</summary>
    public const double HoldOutShare = 0.2;

    /// <param name="files">This machine's files of a user data set; null for bundled ones.</param>
    public static JobDataset Load(JobSpec spec, TrainableModel model, DatasetFiles? files)
    {
        var d = spec.Data;
        var set = d.Dataset switch
        {
            "synthetic" => Synthetic(spec),
            var name when files is null && BundledDatasets.IsBundled(name) => Bundled(name, model),
            var name when files is null => throw new JobSpecException("data.dataset",
                $"'{name}' is not a bundled data set ({string.Join(", ", BundledDatasets.Names.Append("synthetic"))}) and no files were given for it " +
                "(data.path for the simulator, --dataset NAME=PATH for the coordinator, --data NAME=PATH for a worker)"),
            _ => UserFiles(spec, model, files!),
        };
        CheckShape(set.Train, model, files?.Train ?? d.Dataset);
        return set;
    }

    /// <summary>
    /// What a partitioner splits the first <paramref name="count"/> samples by: one class per sample, or all zeros
    /// when a sample has no single class (regression targets, a language model's next tokens).
    /// </summary>
    public static long[] PartitionLabels(Dataset data, int count) =>
        data.Labels is { } l && data.LabelSize == 1 ? l.AsSpan(0, count).ToArray() : new long[count];

    /// <summary>One file or folder of the user's data, read as the spec's data.format says.</summary>
    public static Dataset Read(DataFormatSpec format, string path, TrainableModel model) => Read(format, path, model.SampleShape, model.Loss);

    /// <summary>One file or folder of the user's data for a model of this input shape and loss (a worker knows them from the artifact).</summary>
    public static Dataset Read(DataFormatSpec format, string path, long[] sampleShape, LossKind loss)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new JobSpecException("data.path", $"no file or folder {path}");
        try
        {
            var data = DatasetLoader.Load(Source(format, path, sampleShape, loss), sampleShape);
            CheckShape(data, sampleShape, loss, path);
            return data;
        }
        catch (DatasetFormatException e) { throw new JobSpecException("data", e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException("data.path", $"{path}: {e.Message}");
        }
    }

    /// <summary>The spec's data.format as the loaders take it; unset fields follow the model (label kind from the loss, text windows from the input).</summary>
    static DatasetSource Source(DataFormatSpec f, string path, long[] sampleShape, LossKind loss)
    {
        DatasetFormat? kind = null;
        if (f.Kind is { } k)
            kind = DatasetFormats.TryParse(k, out var parsed) ? parsed : throw new JobSpecException("data.format.kind", $"'{k}' is not one of {string.Join(", ", DatasetFormats.Names)}");
        var labels = f.LabelKind switch
        {
            "class" => DatasetLabelKind.Class,
            "float" => DatasetLabelKind.Float,
            _ => loss == LossKind.SoftmaxCrossEntropy ? DatasetLabelKind.Class : DatasetLabelKind.Float,
        };
        return new DatasetSource(path, kind, f.Label, f.Features, f.Columns.Count > 0 ? f.Columns : null, labels,
            f.ImageSize.Count == 2 ? f.ImageSize : null, f.Channels ?? (sampleShape.Length == 3 ? (int)sampleShape[0] : 3),
            f.Mean.Count > 0 ? f.Mean.Select(v => (float)v).ToList() : null, f.Std.Count > 0 ? f.Std.Select(v => (float)v).ToList() : null,
            f.Tokens == "byte" ? TextTokens.Byte : TextTokens.Char, sampleShape.Length == 1 ? (int)sampleShape[0] : 32);
    }

    static JobDataset Bundled(string name, TrainableModel model)
    {
        try
        {
            return new JobDataset(BundledDatasets.Load(name, DataSplit.Train, model.SampleShape), BundledDatasets.Load(name, DataSplit.Test, model.SampleShape));
        }
        catch (DatasetFormatException e) { throw new JobSpecException("data.dataset", e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException("data.dataset", $"{name}: {e.Message} (scripts/fetch-deps.sh installs the bundled data sets)");
        }
    }

    static JobDataset UserFiles(JobSpec spec, TrainableModel model, DatasetFiles files)
    {
        var train = Read(spec.Data.Format, files.Train, model);
        if (files.Test is { } testPath) return new JobDataset(train, Read(spec.Data.Format, testPath, model));
        // No split given: a seeded share is held out, the same on every machine that holds the same file.
        int test = Math.Max(1, (int)Math.Round(train.Count * HoldOutShare));
        if (train.Count < 2) throw new JobSpecException("data.path", $"{files.Train}: {train.Count} sample is too few to hold out a test split");
        var order = new DeterministicRandom(SeedMixer.Derive(spec.Seed, SeedMixer.HoldOut)).Permutation(train.Count);
        return new JobDataset(train.Select(order[test..]), train.Select(order[..test]));
    }

    static void CheckShape(Dataset data, TrainableModel model, string where) => CheckShape(data, model.SampleShape, model.Loss, where);

    static void CheckShape(Dataset data, long[] want, LossKind loss, string where)
    {
        if (!data.SampleShape.Select(x => (long)x).SequenceEqual(want))
            throw new JobSpecException("data", $"{where}: samples have shape [{string.Join(", ", data.SampleShape)}] but the model takes [{string.Join(", ", want)}]");
        if (loss == LossKind.SoftmaxCrossEntropy && data.Labels is null)
            throw new JobSpecException("data", $"{where}: the model's loss (softmax_cross_entropy) needs class labels, the data has float targets");
        if (loss != LossKind.SoftmaxCrossEntropy && data.Targets is null)
            throw new JobSpecException("data", $"{where}: the model's loss ({loss}) needs float targets, the data has class labels; set data.format.label_kind: float");
    }

    /// <summary>
    /// Gaussian blobs with flat-MNIST shape (784 features, 10 classes). The class centres are close
    /// (separation 0.08 per coordinate) so the task is learnable but not solved in one step.
    /// </summary>
    static JobDataset Synthetic(JobSpec spec)
    {
        int n = spec.Data.TrainSamples > 0 ? spec.Data.TrainSamples : SyntheticTrainDefault;
        int t = spec.Data.TestSamples > 0 ? spec.Data.TestSamples : SyntheticTestDefault;
        // One draw for train and test, so both share the same class centres; then split.
        ulong seed = SeedMixer.Derive(spec.Seed, SeedMixer.SyntheticTrain);
        var all = SyntheticData.GaussianBlobs(n + t, 10, 784, seed, separation: 0.08f, spread: 1f);
        return new JobDataset(all.Select(Enumerable.Range(0, n).ToArray()), all.Select(Enumerable.Range(n, t).ToArray()));
    }
}
