namespace Tessera.Coordinator.Workers;

/// <summary>
/// Wakes every waiter when something changes (a round opened, a task was created). Long-polls await the
/// current generation's task, so ten thousand idle polls cost ten thousand awaits on one shared object.
/// </summary>
public sealed class ChangeSignal
{
    TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => Volatile.Read(ref _current).Task.WaitAsync(timeout, ct);

    public void Pulse() => Interlocked.Exchange(ref _current, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
