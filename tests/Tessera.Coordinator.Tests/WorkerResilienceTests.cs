using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// The .NET worker survives answers it cannot read (a proxy's error page, say) and connections reset while they
/// open (a coordinator being killed), and keeps asking.
/// </summary>
public sealed class WorkerResilienceTests
{
    /// <summary>Joins normally (after one reset connection), then answers every long-poll the way it is told.</summary>
    sealed class BadAfterJoin(string answer) : HttpMessageHandler
    {
        public int Polls;
        int _joins;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (path == "/api/v1/workers/join")
            {
                // What HttpClient lets escape when a connection is reset while it opens: a bare SocketException.
                if (answer == "reset" && Interlocked.Increment(ref _joins) == 1) throw new SocketException((int)SocketError.NotConnected);
                return Task.FromResult(Json("""{ "worker_id": "w-1", "session_token": "s", "heartbeat_seconds": 2 }"""));
            }
            if (path == "/api/v1/tasks/next") Interlocked.Increment(ref Polls);
            if (answer == "reset") throw new SocketException((int)SocketError.NotConnected);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>502 from a proxy</html>", Encoding.UTF8, "text/html") });
        }

        static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    [Theory]
    [InlineData("html", "unreadable answer from the coordinator")]
    [InlineData("reset", "Transport endpoint is not connected")]
    public async Task A_bad_answer_or_a_reset_connection_is_reported_and_retried_not_fatal(string answer, string reported)
    {
        var handler = new BadAfterJoin(answer);
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
        Assert.Contains(problems, m => m.StartsWith(reported, StringComparison.Ordinal));
        stop.Cancel();
        try { await run; } catch (OperationCanceledException) { } // stopping mid-backoff
    }
}
