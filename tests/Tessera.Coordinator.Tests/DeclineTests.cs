using System.Collections.Concurrent;
using System.Net;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A worker that cannot do its task gives it back (POST /tasks/{id}/decline): the round invites another worker at
/// once, never re-invites the decliner that round, and never counts the declined task. The .NET worker declines on
/// its own when training or the upload fails in a way retrying cannot fix, and keeps working.
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

    [Fact]
    public async Task A_worker_whose_training_diverges_declines_its_task_and_keeps_polling()
    {
        var job = await Admin.CreateJob("""
            name: diverges
            model: logreg
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 2000 }
            local: { batch_size: 10, lr: 1e38 }
            """);
        var declines = new ConcurrentQueue<TaskDeclined>();
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "w", (_, e) => { if (e is TaskDeclined d) declines.Enqueue(d); });

        for (var until = DateTime.UtcNow.AddSeconds(120); declines.IsEmpty && DateTime.UtcNow < until;) await Task.Delay(100);
        var d = Assert.Single(declines);
        Assert.StartsWith("training diverged: parameter", d.Reason);
        Assert.Contains("NaN or infinite", d.Reason);
        var s = await Admin.Job(job.Id);
        Assert.Equal((0L, 0, "running"), (s.Version, s.RoundUpdates, s.Status));
        Assert.Contains("training diverged", s.LastDeclined);   // why the round is stuck, on the job's status
        Assert.Equal(1, await MetricValue("tessera_tasks_declined_total"));
        // The worker did not stop: it is still connected (long-polling for its next task).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await MetricValue("tessera_workers_polling"));
    }

    async Task<double> MetricValue(string name) => PrometheusText.Value(await Http.GetStringAsync("/metrics"), name);
}
