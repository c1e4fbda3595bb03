using System.Collections.Concurrent;
using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Protocol.Jobs;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Data sets the coordinator holds, to cut shards from and to evaluate on: the bundled ones, and the user's own
/// registered with `tessera serve --dataset NAME=PATH`. Each is loaded once per process and shape.
/// </summary>
public sealed class DataCatalog(IReadOnlyDictionary<string, DatasetFiles>? registered = null)
{
    readonly ConcurrentDictionary<string, Lazy<JobDataset>> _loaded = new();

    public IReadOnlyDictionary<string, DatasetFiles> Registered { get; } = registered ?? new Dictionary<string, DatasetFiles>();

    /// <summary>The job's data set.</summary>
    public JobDataset For(JobSpec spec, TrainableModel model)
    {
        if (spec.Data.Path is not null)
            throw new JobSpecException("data.path", "the coordinator does not read paths from a spec; register the files with `tessera serve --dataset NAME=PATH` and name the data set");
        return Load(spec, model, Registered.GetValueOrDefault(spec.Data.Dataset));
    }

    /// <summary>
    /// A coordinator-side evaluation set named by evaluation.dataset: a bundled set's test split, or a registered
    /// set's test file, or the whole registered file when it has none (a set registered to evaluate on is held out whole).
    /// </summary>
    public Tessera.Data.Dataset EvaluationSet(JobSpec spec, TrainableModel model, string name)
    {
        var files = Registered.GetValueOrDefault(name);
        if (files is { Test: null }) files = files with { Test = files.Train };
        try { return Load(spec with { Data = spec.Data with { Dataset = name } }, model, files).Test; }
        catch (JobSpecException e) when (e.Field.StartsWith("data", StringComparison.Ordinal))
        { throw new JobSpecException("evaluation.dataset", e.Reason); }
    }

    JobDataset Load(JobSpec spec, TrainableModel model, DatasetFiles? files)
    {
        var d = spec.Data;
        // The hold-out split depends on the seed and how the files are read, the layout on the model's input.
        var key = $"{d.Dataset}|{string.Join(',', model.SampleShape)}|{model.Loss}|{spec.Seed}|{System.Text.Json.JsonSerializer.Serialize(d.Format)}";
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<JobDataset>(() => JobDatasets.Load(spec, model, files)));
        try { return lazy.Value; }
        catch (JobSpecException) { _loaded.TryRemove(key, out _); throw; }
    }
}
