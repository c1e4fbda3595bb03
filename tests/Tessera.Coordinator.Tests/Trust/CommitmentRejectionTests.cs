using System.Net;
using System.Runtime.InteropServices;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// Commitments a stranger gets wrong (none, another worker's or task's chain, links off the job's schedule, a head
/// that does not chain) are refused with a 400 naming the commitment before any audit is drawn, and change
/// nothing: no update counted, no audit, no trust record. The ledger's new endpoints refuse bad queries too.
/// </summary>
[Collection("coordinator")]
public sealed class CommitmentRejectionTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task Bad_commitments_are_refused_and_change_nothing()
    {
        var (session, worker) = await Join("pool", "stranger");
        var job = await Admin.CreateJob("""
            name: commitments
            model: logreg
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 1000 }
            local: { batch_size: 10 }
            """);
        var task = await NextTask(session);
        Assert.Equal(50, task.CommitEvery);

        IReadOnlyList<WeightCheckpoint> Chain(string taskId, string workerId, IEnumerable<int> steps, out string head)
        {
            var chain = new CommitmentChain(taskId, workerId, task.Version);
            foreach (int s in steps) chain.Add(s, MemoryMarshal.AsBytes(new float[] { s }.AsSpan()));
            head = chain.Head;
            return chain.Checkpoints;
        }
        var schedule = CommitmentChain.Schedule(task.Steps, task.CommitEvery).ToList();
        var cases = new List<(string What, Func<UpdateEnvelope, UpdateEnvelope> Meta)>
        {
            ("no checkpoints", e => e with { Steps = task.Steps, SampleCount = task.Steps * 10 }),
            ("another worker's chain", e => { var c = Chain(task.TaskId, "w-someone-else", schedule, out var h); return e with { Steps = task.Steps, SampleCount = task.Steps * 10, Checkpoints = c, Commitment = h }; }),
            ("another task's chain", e => { var c = Chain("t-0000000000000000", worker, schedule, out var h); return e with { Steps = task.Steps, SampleCount = task.Steps * 10, Checkpoints = c, Commitment = h }; }),
            ("links off the schedule", e => { var c = Chain(task.TaskId, worker, [task.Steps], out var h); return e with { Steps = task.Steps, SampleCount = task.Steps * 10, Checkpoints = c, Commitment = h }; }),
            ("a head that does not chain", e => { var c = Chain(task.TaskId, worker, schedule, out _); return e with { Steps = task.Steps, SampleCount = task.Steps * 10, Checkpoints = c, Commitment = new string('b', 64) }; }),
        };
        foreach (var (what, meta) in cases)
        {
            var (status, error) = await Upload(session, task.TaskId, await Update(task, meta: meta));
            Assert.True(status == HttpStatusCode.BadRequest, $"{what}: {(int)status} {error}");
            Assert.StartsWith("commitment:", error);
            var s = await Admin.Job(job.Id);
            Assert.Equal((0, 0L), (s.RoundUpdates, s.Version));
            Assert.Empty(Host.Store.Audits(job.Id));
            Assert.Empty(Host.Store.Trust(job.Id));
        }
        // The task is still open: nothing was claimed.
        Assert.Equal("collecting", (await Admin.Job(job.Id)).Phase);
    }

    [Theory]
    [InlineData("/api/v1/ledger/entries?limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/ledger/entries?limit=100000", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/jobs/j-nope/audits", HttpStatusCode.NotFound, "no job")]
    public async Task Ledger_queries_out_of_range_are_refused(string path, HttpStatusCode status, string fragment)
    {
        using var res = await Http.GetAsync(path);
        Assert.Equal(status, res.StatusCode);
        Assert.Contains(fragment, await res.Content.ReadAsStringAsync());
    }
}
