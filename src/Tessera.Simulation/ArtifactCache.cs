using System.Collections.Concurrent;
using Tessera.Graphs.Training;

namespace Tessera.Simulation;

/// <summary>
/// Training artifacts by batch size, compiled once each. Full-batch jobs (FedSGD) need one per distinct
/// client size; mini-batch jobs need exactly one.
/// </summary>
public sealed class ArtifactCache(TrainableModel model, TrainingOptions options)
{
    readonly ConcurrentDictionary<int, Lazy<Artifact>> _byBatch = new();

    public Artifact For(int batchSize) =>
        _byBatch.GetOrAdd(batchSize, b => new Lazy<Artifact>(() => ArtifactCompiler.CompileTraining(model, options with { BatchSize = b }))).Value;

    public int Compiled => _byBatch.Count;
}
