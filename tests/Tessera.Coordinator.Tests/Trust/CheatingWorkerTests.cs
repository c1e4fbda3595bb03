using System.Net;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// Each way of cheating, played by a raw-HTTP hostile client beside a real honest .NET worker against a real
/// coordinator: the cheating upload is caught by replay on the first task it cheats (new workers are audited on
/// every task), refused with a 422 that says why, never counted in a round, the cheater banned from the job and
/// every credit it had pending revoked, while the honest worker is paid in full.
/// </summary>
[Collection("coordinator")]
public sealed class CheatingWorkerTests : InProcessCoordinatorTest
{
    [Theory]
    [InlineData(Cheat.Constant, 1)]
    [InlineData(Cheat.Zeros, 1)]
    [InlineData(Cheat.Tiny, 1)]
    [InlineData(Cheat.Random, 1)]
    [InlineData(Cheat.Scaled, 1)]
    [InlineData(Cheat.SkippedSteps, 1)]
    [InlineData(Cheat.WrongShard, 1)]
    [InlineData(Cheat.StaleBase, 2)]
    [InlineData(Cheat.CopiedOwn, 2)]
    [InlineData(Cheat.CopiedGlobal, 2)]
    public async Task A_cheat_is_caught_on_its_first_cheating_task_and_earns_nothing(Cheat cheat, int cheatFrom)
    {
        var job = await Admin.CreateJob("""
            name: cheat
            model: logreg
            rounds: 3
            clients_per_round: 2
            min_clients: 1
            deadline_seconds: 4
            data: { clients: 2, train_samples: 2000 }
            local: { batch_size: 10, lr: 0.1 }
            """);
        await using var hostile = new HostileWorker(Host.BaseUrl, job.JoinToken, cheat, cheatFrom);
        await hostile.Join("cheater");
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "honest");

        await hostile.Run(TimeSpan.FromSeconds(90));
        var done = await Admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);

        // Honest tasks before the cheat pass their audits; the first cheating one is refused and says why.
        Assert.Equal(cheatFrom, hostile.Answers.Count);
        Assert.All(hostile.Answers.SkipLast(1), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var (_, status, error) = hostile.Answers[^1];
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("failed its audit", error);

        // It never counted: every round's updates are the honest worker's plus the cheater's honest ones.
        var rounds = await Admin.Rounds(job.Id);
        Assert.Equal(3 + (cheatFrom - 1), rounds.Sum(r => r.Updates));
        var audits = Host.Store.Audits(job.Id);
        var failed = Assert.Single(audits, a => !a.Passed);
        Assert.Equal(hostile.WorkerId, failed.WorkerId);
        Assert.Equal(AuditRow.FailedOutcome, failed.Outcome);   // far beyond honest noise: a ban, not an inconclusive audit
        Assert.True(failed.RelativeError > 0.3, $"{cheat}: relative error {failed.RelativeError}");
        Assert.All(audits.Where(a => a.WorkerId != hostile.WorkerId), a => Assert.True(a.Passed, $"honest task {a.TaskId} failed: {a.Reason}"));
        Assert.True(Host.Store.Trust(job.Id)[hostile.WorkerId].Banned);

        // Paid nothing: what it had pending is revoked with the reason; the honest worker is granted in full.
        var ledger = await Admin.Ledger(job.Id);
        var cheater = Assert.Single(ledger, l => l.WorkerId == hostile.WorkerId);
        Assert.Equal((0.0, 0.0), (cheater.Granted, cheater.Pending));
        Assert.True(cheater.Revoked > 0);
        var honest = Assert.Single(ledger, l => l.WorkerId != hostile.WorkerId);
        Assert.True(honest.Granted > 0 && honest.Revoked == 0 && honest.Pending == 0, $"honest: {honest}");
        var entries = Host.Store.LedgerEntries(job.Id, hostile.WorkerId, 100);
        Assert.All(entries, e => Assert.Equal(CreditRule.Revoked, e.Status));
        Assert.Contains(entries, e => e.Reason!.Contains("failed its audit"));
    }
}
