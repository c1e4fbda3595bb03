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

    /// <summary>The job's data set, or <paramref name="name"/> instead of the spec's (a coordinator-side evaluation set).</summary>
    public JobDataset For(JobSpec spec, TrainableModel model, string? name = null)
    {
        if (name is not null) spec = spec with { Data = spec.Data with { Dataset = name } };
        var d = spec.Data;
        if (d.Path is not null)
            throw new JobSpecException("data.path", "the coordinator does not read paths from a spec; register the files with `tessera serve --dataset NAME=PATH` and name the data set");
        var files = Registered.GetValueOrDefault(d.Dataset);
        // The hold-out split depends on the seed and how the files are read, the layout on the model's input.
        var key = $"{d.Dataset}|{string.Join(',', model.SampleShape)}|{model.Loss}|{spec.Seed}|{JobSpecParser.ToJson(spec with { Data = new DataSpec { Format = d.Format } })}";
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<JobDataset>(() => JobDatasets.Load(spec, model, files)));
        try { return lazy.Value; }
        catch (JobSpecException) { _loaded.TryRemove(key, out _); throw; }
    }
}
