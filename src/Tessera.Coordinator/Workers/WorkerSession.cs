namespace Tessera.Coordinator.Workers;

/// <summary>
/// A joined worker as this node sees it: who it is (id, name, token hash, token scope), when it was last heard
/// from, what share of the time since this node first saw it the worker was live (its availability) and how long
/// its absences last (both read by estimates). What it offers and how fast it is live in its <see cref="IWorkerGrain"/>.
/// </summary>
public sealed class WorkerSession(string id, string name, string tokenHash, string? scopeJob)
{
    /// <summary>A silence up to this long between two requests counts as live time (a heartbeat or two missed).</summary>
    public static readonly TimeSpan LiveGap = TimeSpan.FromSeconds(15);

    public string Id { get; } = id;
    public string Name { get; } = name;
    public string TokenHash { get; } = tokenHash;
    /// <summary>Set when the worker joined with a job's token: it only gets that job's tasks.</summary>
    public string? ScopeJob { get; } = scopeJob;
    readonly long _firstSeenTicks = DateTimeOffset.UtcNow.UtcTicks;
    long _lastSeenTicks = DateTimeOffset.UtcNow.UtcTicks;
    long _liveTicks, _absentTicks;
    int _polling, _absences;

    /// <summary>Pulsed when a task is handed to this worker: its long-poll waits on this, not on every change.</summary>
    public ChangeSignal Wakeup { get; } = new();

    public DateTimeOffset LastSeen => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);
    public bool IsPolling => Volatile.Read(ref _polling) > 0;

    public void Touch() => Heard(wasPolling: IsPolling);
    public void BeginPoll() { Touch(); Interlocked.Increment(ref _polling); }
    public void EndPoll() { Heard(wasPolling: true); Interlocked.Decrement(ref _polling); }

    void Heard(bool wasPolling)
    {
        long now = DateTimeOffset.UtcNow.UtcTicks;
        long gap = now - Interlocked.Exchange(ref _lastSeenTicks, now);
        // An open long-poll is presence however long it lasted; otherwise only short silences count.
        if (wasPolling || gap <= LiveGap.Ticks) Interlocked.Add(ref _liveTicks, Math.Max(0, gap));
        else
        {
            Interlocked.Increment(ref _absences);
            Interlocked.Add(ref _absentTicks, gap);
        }
    }

    /// <summary>How long the worker's absences (silences over <see cref="LiveGap"/>) lasted on average; null before its first.</summary>
    public TimeSpan? MeanAbsence => Volatile.Read(ref _absences) is > 0 and var n ? TimeSpan.FromTicks(Interlocked.Read(ref _absentTicks) / n) : null;

    public bool IsLive(TimeSpan timeout) => IsPolling || DateTimeOffset.UtcNow - LastSeen < timeout;

    /// <summary>Share of the time since this node first saw the worker that it was live, in [0, 1].</summary>
    public double Availability(TimeSpan timeout)
    {
        long now = DateTimeOffset.UtcNow.UtcTicks;
        long span = now - _firstSeenTicks;
        if (span <= 0) return 1;
        long live = Interlocked.Read(ref _liveTicks);
        // The stretch since the last request is live while the session still is.
        if (IsLive(timeout)) live += now - Interlocked.Read(ref _lastSeenTicks);
        return Math.Clamp((double)live / span, 0, 1);
    }
}
