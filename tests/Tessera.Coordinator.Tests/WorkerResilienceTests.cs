using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>The .NET worker survives answers it cannot read (a proxy's error page, say) and keeps asking.</summary>
public sealed class WorkerResilienceTests
{
    /// <summary>Joins normally, then answers every long-poll with an HTML page and status 200.</summary>
    sealed class HtmlAfterJoin : HttpMessageHandler
    {
        public int Polls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (path == "/api/v1/workers/join")
                return Task.FromResult(Json("""{ "worker_id": "w-1", "session_token": "s", "heartbeat_seconds": 2 }"""));
            if (path == "/api/v1/tasks/next") Interlocked.Increment(ref Polls);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>502 from a proxy</html>", Encoding.UTF8, "text/html") });
        }

        static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    [Fact]
    public async Task An_unreadable_task_answer_is_reported_and_retried_not_fatal()
    {
        var handler = new HtmlAfterJoin();
        var problems = new ConcurrentQueue<string>();
        using var agent = new WorkerAgent(new WorkerOptions
        {
            Server = new Uri("http://coordinator.invalid"), Token = "t", ReportedSpeed = 1, MaxBackoff = TimeSpan.FromMilliseconds(300),
        }, handler);
        agent.Event += e => { if (e is ConnectionProblem p) problems.Enqueue(p.Message); };
        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);

        for (var until = DateTime.UtcNow.AddSeconds(30); handler.Polls < 3 && DateTime.UtcNow < until && !run.IsCompleted;) await Task.Delay(50);
        Assert.False(run.IsFaulted, run.Exception?.ToString());
        Assert.True(handler.Polls >= 3, $"the worker stopped asking after {handler.Polls} polls");
        Assert.Contains(problems, m => m.StartsWith("unreadable answer from the coordinator", StringComparison.Ordinal));
        stop.Cancel();
        try { await run; } catch (OperationCanceledException) { } // stopping mid-backoff
    }
}
