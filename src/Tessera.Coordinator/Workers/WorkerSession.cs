using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Workers;

/// <summary>A joined worker: who it is, what it offers, how fast it measured, when it was last heard from.</summary>
public sealed class WorkerSession(string id, string name, string tokenHash, string? scopeJob, WorkerCapabilities capabilities)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string TokenHash { get; } = tokenHash;
    /// <summary>Set when the worker joined with a job's token: it only gets that job's tasks.</summary>
    public string? ScopeJob { get; } = scopeJob;
    public WorkerCapabilities Capabilities { get; set; } = capabilities;
    /// <summary>Samples per second: the join benchmark at first, then what its results report.</summary>
    public double Speed { get; set; } = capabilities.SamplesPerSecond;
    long _lastSeenTicks = DateTimeOffset.UtcNow.UtcTicks;
    int _polling;

    public DateTimeOffset LastSeen => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);
    public bool IsPolling => Volatile.Read(ref _polling) > 0;

    public void Touch() => Interlocked.Exchange(ref _lastSeenTicks, DateTimeOffset.UtcNow.UtcTicks);
    public void BeginPoll() { Interlocked.Increment(ref _polling); Touch(); }
    public void EndPoll() { Interlocked.Decrement(ref _polling); Touch(); }

    public bool IsLive(TimeSpan timeout) => IsPolling || DateTimeOffset.UtcNow - LastSeen < timeout;
}
