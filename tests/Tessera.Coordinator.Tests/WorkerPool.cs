using Tessera.Runtime;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>In-process .NET workers (the same WorkerAgent that `tessera worker` runs), each stoppable on its own.</summary>
public sealed class WorkerPool : IAsyncDisposable
{
    readonly List<(WorkerAgent Agent, CancellationTokenSource Stop, Task Run)> _workers = [];

    public WorkerAgent Add(string url, string token, string name, Action<WorkerAgent, WorkerEvent>? onEvent = null) =>
        Add(new WorkerOptions
        {
            Server = new Uri(url), Token = token, Name = name, Runtime = new RuntimeOptions { IntraOpThreads = 1 },
            ReportedSpeed = 0, LongPoll = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1),
        }, onEvent);

    public WorkerAgent Add(WorkerOptions options, Action<WorkerAgent, WorkerEvent>? onEvent = null)
    {
        var agent = new WorkerAgent(options);
        var stop = new CancellationTokenSource();
        if (onEvent is not null) agent.Event += e => onEvent(agent, e);
        var run = Task.Run(() => agent.RunAsync(stop.Token));
        _workers.Add((agent, stop, run));
        return agent;
    }

    public void Stop(WorkerAgent agent) => _workers.First(w => w.Agent == agent).Stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers) w.Stop.Cancel();
        foreach (var w in _workers)
        {
            try { await w.Run; } catch (OperationCanceledException) { }
            w.Agent.Dispose();
        }
    }
}
