using System.Collections.Concurrent;
using System.Net;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A worker that cannot do its task gives it back (POST /tasks/{id}/decline): the round invites another worker at
/// once, never re-invites the decliner that round, and never counts the declined task. The .NET worker declines on
/// its own when training or the upload fails in a way retrying cannot fix, and keeps working. A job that every
/// worker declines pauses, with the reason as its error, until the operator resumes it.
/// </summary>
[Collection("coordinator")]
public sealed class DeclineTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task A_declined_task_goes_to_another_worker_and_is_never_counted()
    {
        var workers = await Task.WhenAll(Join("pool", "a"), Join("pool", "b"), Join("pool", "c"));
        var job = await Admin.CreateJob("""
            name: decline
            model: logreg
            rounds: 1
            clients_per_round: 2
            min_clients: 2
            data: { clients: 3, train_samples: 3000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10 }
            """);
        // Two of the three are invited; which two depends on their (random) ids. Short long-polls, not a spin:
        // a spinning worker empties its rate-limit bucket and its next request would be refused with 429.
        var tasks = new Dictionary<string, TaskMessage>();
        for (var until = DateTime.UtcNow.AddSeconds(60); tasks.Count < 2 && DateTime.UtcNow < until;)
            foreach (var (session, _) in workers.Where(w => !tasks.ContainsKey(w.Session)))
                if (await TryNextTask(session, 1) is { } t) tasks[session] = t;
        Assert.Equal(2, tasks.Count);
        var (decliner, keeper) = (tasks.Keys.First(), tasks.Keys.Last());
        var spare = workers.Single(w => !tasks.ContainsKey(w.Session)).Session;
        var declined = tasks[decliner];

        // Bad declines are refused with a reason and free nothing: the spare is still not invited.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Decline(null, declined.TaskId, "x")).Status);
        var noReason = await Decline(decliner, declined.TaskId, " ");
        Assert.Equal(HttpStatusCode.BadRequest, noReason.Status);
        Assert.Contains("reason", noReason.Error);
        Assert.Equal(HttpStatusCode.BadRequest, (await Decline(decliner, declined.TaskId, new string('x', 501))).Status);
        var notYours = await Decline(keeper, declined.TaskId, "not mine");
        Assert.Equal(HttpStatusCode.Forbidden, notYours.Status);
        Assert.Contains("another worker", notYours.Error);
        Assert.Equal(HttpStatusCode.NotFound, (await Decline(decliner, "t-doesnotexist", "x")).Status);
        Assert.Null(await TryNextTask(spare, 2));

        Assert.Equal(HttpStatusCode.NoContent, (await Decline(decliner, declined.TaskId, "upload codec 'zstd' unknown")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Decline(decliner, declined.TaskId, "retried request")).Status); // idempotent
        Assert.EndsWith(": upload codec 'zstd' unknown", (await Admin.Job(job.Id)).LastDeclined);   // the first reason counts

        // The spare gets the declined slot in the same round; the decliner is not invited again.
        var replacement = await NextTask(spare);
        Assert.Equal(declined.Round, replacement.Round);
        Assert.NotEqual(declined.TaskId, replacement.TaskId);
        Assert.Null(await TryNextTask(decliner, 2));
        var late = await Upload(decliner, declined.TaskId, await Update(declined));
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        Assert.Contains("declined", late.Error);

        Assert.Equal(HttpStatusCode.OK, (await Upload(keeper, tasks[keeper].TaskId, await Update(tasks[keeper]))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Upload(spare, replacement.TaskId, await Update(replacement))).Status);
        var done = await Admin.WaitFor(job.Id, s => s.Status == "completed");
        Assert.Equal(1, done.Version);
        Assert.Equal(2, (await Admin.Rounds(job.Id)).Single().Updates);
        var ledger = await Admin.Ledger(job.Id);
        Assert.Equal(2, ledger.Sum(l => l.Updates));
        Assert.Equal(1, await MetricValue("tessera_tasks_declined_total"));
    }

    [Theory, InlineData("fedavg"), InlineData("fedbuff")]
    public async Task A_job_every_worker_declines_pauses_with_the_reason_and_resumes_on_request(string strategy)
    {
        var job = await Admin.CreateJob($$"""
            name: diverges-{{strategy}}
            model: logreg
            rounds: 1
            clients_per_round: 1
            strategy: { name: {{strategy}} }
            data: { clients: 1, train_samples: 2000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10, lr: 1e38 }
            """);
        var declines = new ConcurrentQueue<TaskDeclined>();
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "w", (_, e) => { if (e is TaskDeclined d) declines.Enqueue(d); });

        // The worker's training diverges, so it declines; it is the only worker, so nothing can progress by waiting.
        var paused = await Admin.WaitFor(job.Id, s => s.Status != "running");
        var d = Assert.Single(declines);
        Assert.StartsWith("training diverged: parameter", d.Reason);
        Assert.Contains("NaN or infinite", d.Reason);
        Assert.Equal((0L, "paused"), (paused.Version, paused.Status));
        Assert.StartsWith("every live worker (1) declined round 1: training diverged", paused.Error);
        Assert.Contains("training diverged", paused.LastDeclined);
        Assert.Equal(1, await MetricValue("tessera_tasks_declined_total"));
        Assert.DoesNotContain(await Admin.Rounds(job.Id), r => r.Closed is not null);   // nothing was aggregated
        // The worker did not stop: it is still connected (long-polling for its next task).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await MetricValue("tessera_workers_polling"));
        Assert.Single(declines);   // paused: no task handed out meanwhile

        // Resuming invites the worker again (the reason is the operator's to fix; here it is not, so it pauses again).
        await Admin.Control(job.Id, "resume");
        for (var until = DateTime.UtcNow.AddSeconds(120); declines.Count < 2 && DateTime.UtcNow < until;) await Task.Delay(100);
        Assert.Equal(2, declines.Count);
        var again = await Admin.WaitFor(job.Id, s => s.Status == "paused");
        Assert.StartsWith("every live worker (1) declined round 1", again.Error);
        Assert.Equal((0L, 2d), (again.Version, await MetricValue("tessera_tasks_declined_total")));
    }

    async Task<double> MetricValue(string name) => PrometheusText.Value(await Http.GetStringAsync("/metrics"), name);
}
