using System.Collections.Concurrent;
using Tessera.Data;
using Tessera.Data.Loading;

namespace Tessera.Coordinator.Jobs;

/// <summary>Data sets the coordinator holds (to cut shards from and to evaluate on), loaded once per process.</summary>
public sealed class DataCatalog(string? mnistDirectory)
{
    readonly ConcurrentDictionary<(MnistSplit, MnistLayout), Lazy<Dataset>> _mnist = new();

    public Dataset Mnist(MnistSplit split, MnistLayout layout) =>
        _mnist.GetOrAdd((split, layout), k => new Lazy<Dataset>(() => MnistLoader.Load(k.Item1, k.Item2, mnistDirectory))).Value;
}
