using Tessera.Runtime;

namespace Tessera.Worker;

/// <summary>How a worker connects and what it trains on.</summary>
public sealed record WorkerOptions
{
    public required Uri Server { get; init; }
    public required string Token { get; init; }
    public string? Name { get; init; }
    /// <summary>Name of a data set local to this worker (e.g. "mnist"); its samples never leave the machine.</summary>
    public string? LocalData { get; init; }
    /// <summary>Use this many local samples (0 = all), starting at <see cref="LocalDataOffset"/>.</summary>
    public int LocalDataSamples { get; init; }
    public int LocalDataOffset { get; init; }
    public string? MnistDirectory { get; init; }
    /// <summary>The user's own data sets on this machine by name (`--data NAME=PATH`); read as each job's data.format says, never sent.</summary>
    public IReadOnlyDictionary<string, Tessera.Federation.Planning.DatasetFiles> LocalFiles { get; init; } = new Dictionary<string, Tessera.Federation.Planning.DatasetFiles>();
    /// <summary>Where artifacts are cached by sha256; null keeps them in memory only.</summary>
    public string? CacheDirectory { get; init; }
    public RuntimeOptions Runtime { get; init; } = RuntimeOptions.Default;
    public TimeSpan LongPoll { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Stop after this many uploaded results (tests, benchmarks); null runs until cancelled.</summary>
    public int? MaxTasks { get; init; }
    /// <summary>Skip the join-time speed benchmark and report this speed instead (tests).</summary>
    public double? ReportedSpeed { get; init; }
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
}
