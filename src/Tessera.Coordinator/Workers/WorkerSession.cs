namespace Tessera.Coordinator.Workers;

/// <summary>
/// A joined worker as this node sees it: who it is (id, name, token hash, token scope) and when it was last heard
/// from. What it offers and how fast it is live in its <see cref="IWorkerGrain"/>.
/// </summary>
public sealed class WorkerSession(string id, string name, string tokenHash, string? scopeJob)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string TokenHash { get; } = tokenHash;
    /// <summary>Set when the worker joined with a job's token: it only gets that job's tasks.</summary>
    public string? ScopeJob { get; } = scopeJob;
    long _lastSeenTicks = DateTimeOffset.UtcNow.UtcTicks;
    int _polling;

    /// <summary>Pulsed when a task is handed to this worker: its long-poll waits on this, not on every change.</summary>
    public ChangeSignal Wakeup { get; } = new();

    public DateTimeOffset LastSeen => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);
    public bool IsPolling => Volatile.Read(ref _polling) > 0;

    public void Touch() => Interlocked.Exchange(ref _lastSeenTicks, DateTimeOffset.UtcNow.UtcTicks);
    public void BeginPoll() { Interlocked.Increment(ref _polling); Touch(); }
    public void EndPoll() { Interlocked.Decrement(ref _polling); Touch(); }

    public bool IsLive(TimeSpan timeout) => IsPolling || DateTimeOffset.UtcNow - LastSeen < timeout;
}
