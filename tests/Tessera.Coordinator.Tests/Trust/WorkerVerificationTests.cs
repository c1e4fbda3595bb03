using System.Net;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// replay: workers — an audited upload is held while a worker the job trusts re-runs its task. A raw-HTTP cheater's
/// update is held (202), re-run by an honest worker, found 25× off, never counted; the cheater is banned and unpaid,
/// and the verifier is paid for the training it re-ran.
/// </summary>
[Collection("coordinator")]
public sealed class WorkerVerificationTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task A_trusted_worker_re_runs_an_audited_task_and_catches_the_cheat()
    {
        var job = await Admin.CreateJob("""
            name: verified-by-workers
            model: 2nn
            rounds: 3
            clients_per_round: 3
            min_clients: 1
            deadline_seconds: 30
            data: { clients: 3, train_samples: 3000 }
            local: { batch_size: 20, lr: 0.05 }
            verification: { replay: workers, quorum: 1, trusted_after: 1 }
            """);
        await using var hostile = new HostileWorker(Host.BaseUrl, job.JoinToken, Cheat.Constant);
        await hostile.Join("cheater");
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "honest-a");
        pool.Add(Host.BaseUrl, job.JoinToken, "honest-b");

        // Round 1 honest (the coordinator stands in while nobody is trusted yet).
        var (first, body) = await hostile.Prepare(cheating: false, TimeSpan.FromMinutes(2));
        using (var r1 = await hostile.Upload(first, body)) Assert.True(r1.IsSuccessStatusCode, await r1.Content.ReadAsStringAsync());
        // Round 2: cheat, once both honest workers (trusted now) have uploaded and sit idle.
        var (second, cheat) = await hostile.Prepare(cheating: true, TimeSpan.FromMinutes(2));
        await Admin.WaitFor(job.Id, s => s.Round == second.Round && s.RoundUpdates >= 2, 120);
        using (var r2 = await hostile.Upload(second, cheat))
        {
            Assert.Equal(HttpStatusCode.Accepted, r2.StatusCode);   // held for verification, not counted
            Assert.Contains("\"pending_audit\":true", await r2.Content.ReadAsStringAsync());
        }

        var done = await Admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);
        var caught = Assert.Single(Host.Store.Audits(job.Id), a => a.TaskId == second.TaskId);
        Assert.Equal(AuditRow.FailedOutcome, caught.Outcome);
        Assert.Contains("re-run by worker", caught.Reason);
        Assert.True(Host.Store.Trust(job.Id)[hostile.WorkerId].Banned);
        var rounds = await Admin.Rounds(job.Id);
        Assert.Equal(2, rounds.Single(r => r.Round == second.Round).Updates);   // the cheat never counted

        var ledger = await Admin.Ledger(job.Id);
        var cheater = Assert.Single(ledger, l => l.WorkerId == hostile.WorkerId);
        Assert.Equal(0, cheater.Granted);
        Assert.True(cheater.Revoked > 0);
        // Someone re-ran the cheat: a verification entry, granted once the job ended.
        var verifications = Host.Store.LedgerEntries(job.Id, null, 100).Where(e => e.Reason == "verification").ToList();
        Assert.Contains(verifications, e => e.WorkerId != hostile.WorkerId && e.Status == CreditRule.Granted);
        Assert.False(Directory.EnumerateFiles(Path.Combine(DataDirectory, "blobs", "held", job.Id)).Any(), "a held update was left behind");
    }
}
