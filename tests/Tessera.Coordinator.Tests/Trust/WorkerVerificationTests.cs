using System.Net;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// replay: workers — an audited upload is held while a worker the job trusts re-runs its task. A raw-HTTP cheater's
/// update is held (202), re-run by an honest worker, found 25× off (and confirmed by the coordinator's replay, which
/// arbitrates every verdict that is not a pass), never counted; the cheater is banned and unpaid, and the verifier
/// is paid for the training it re-ran. A lying verifier is caught the same way (<c>A_lying_verifier_is_caught...</c>).
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
        await using var pool = new WorkerPool();
        pool.Add(Host.BaseUrl, job.JoinToken, "honest-a");
        pool.Add(Host.BaseUrl, job.JoinToken, "honest-b");
        // Round 1 is theirs (the coordinator replays: nobody is trusted yet). The cheater joins after it, untrusted,
        // so it never verifies anyone, and cheats on its first task, once both honest workers have uploaded and sit idle.
        await Admin.WaitFor(job.Id, s => s.Version >= 1, 120);
        await using var hostile = new HostileWorker(Host.BaseUrl, job.JoinToken, Cheat.Constant);
        await hostile.Join("cheater");
        var (second, cheat) = await hostile.Prepare(cheating: true, TimeSpan.FromMinutes(2));
        // Heartbeats while it waits, or a slow machine's worker timeout would take the task back.
        for (var until = DateTime.UtcNow.AddMinutes(2); ; await Task.Delay(1000))
        {
            await hostile.Heartbeat(second);
            var s = await Admin.Job(job.Id);
            if (s.Round == second.Round && s.RoundUpdates >= 2) break;
            Assert.True(DateTime.UtcNow < until, $"the honest workers did not upload round {second.Round}: {s}");
        }
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
        Assert.All(Host.Store.Audits(job.Id).Where(a => a.WorkerId != hostile.WorkerId), a => Assert.True(a.Passed, $"{a.TaskId}: {a.Reason}"));

        var ledger = await Admin.Ledger(job.Id);
        var cheater = Assert.Single(ledger, l => l.WorkerId == hostile.WorkerId);
        Assert.Equal(0, cheater.Granted);
        Assert.True(cheater.Revoked > 0);
        // Someone re-ran the cheat: a verification entry, granted once the job ended.
        var verifications = Host.Store.LedgerEntries(job.Id, null, 100).Where(e => e.Reason == "verification").ToList();
        Assert.Contains(verifications, e => e.WorkerId != hostile.WorkerId && e.Status == CreditRule.Granted);
        Assert.False(Directory.EnumerateFiles(Path.Combine(DataDirectory, "blobs", "held", job.Id)).Any(), "a held update was left behind");
    }

    [Fact]
    public async Task A_lying_verifier_is_caught_and_the_honest_update_it_lied_about_still_counts()
    {
        // Two raw-protocol workers whose every step the test orders; both train their own tasks honestly.
        var (job, honest, liar) = await TwoRawWorkers("lying-verifier", "", "honest", "liar");
        await using var _h = honest;
        await using var _l = liar;
        // The liar uploads first: nobody is trusted yet, so the coordinator replays it, and it passes. Idle and trusted
        // now, it is the only one to re-run the honest upload, which is held for it; it lies about the re-run.
        var (liarTask, liarBody) = await liar.Prepare(false, TimeSpan.FromMinutes(1));
        var (honestTask, honestBody) = await honest.Prepare(false, TimeSpan.FromMinutes(1));
        using (var r = await liar.Upload(liarTask, liarBody)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        await Task.Delay(600);   // a tick: the liar shows as idle
        using (var r = await honest.Upload(honestTask, honestBody)) Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var (rerun, lie) = await liar.Prepare(true, TimeSpan.FromMinutes(1));
        Assert.Equal(honestTask.TaskId, rerun.Verifies?.TaskId);
        using (var r = await liar.Upload(rerun, lie)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);   // a vote; the coordinator's replay decides

        var trust = Host.Store.Trust(job.Id);
        Assert.True(trust[liar.WorkerId].Banned, "the lying verifier was not banned");
        Assert.Contains("disagreed with the coordinator's replay", trust[liar.WorkerId].Reason);
        Assert.False(trust[honest.WorkerId].Banned, trust[honest.WorkerId].Reason);
        await Admin.WaitFor(job.Id, s => s.Version >= 1, 60);
        Assert.Equal(2, (await Admin.Rounds(job.Id)).Single(r => r.Round == 1).Updates);   // the honest update it lied about counted
        var ledger = await Admin.Ledger(job.Id);
        Assert.True(ledger.Single(l => l.WorkerId == liar.WorkerId).Revoked > 0);
        Assert.Equal(0, ledger.Single(l => l.WorkerId == honest.WorkerId).Revoked);
    }

    [Fact]
    public async Task A_verifier_colluding_with_a_cheater_is_caught_by_the_coordinator_spot_checking_a_unanimous_pass()
    {
        // min_rate 1: every unanimous pass is spot-checked by the coordinator's own replay (the default is 5%). Both send
        // +1.0 everywhere when they cheat: the colluder's "re-run" of the cheat is the cheat itself, a perfect match.
        var (job, colluder, cheater) = await TwoRawWorkers("colluding-verifier", ", min_rate: 1", "colluder", "cheater");
        await using var _c = colluder;
        await using var _x = cheater;
        var (own, ownBody) = await colluder.Prepare(false, TimeSpan.FromMinutes(1));
        var (cheatTask, cheatBody) = await cheater.Prepare(true, TimeSpan.FromMinutes(1));
        using (var r = await colluder.Upload(own, ownBody)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);   // honest once: trusted
        await Task.Delay(600);   // a tick: the colluder shows as idle
        using (var r = await cheater.Upload(cheatTask, cheatBody)) Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var (rerun, vouch) = await colluder.Prepare(true, TimeSpan.FromMinutes(1));
        Assert.Equal(cheatTask.TaskId, rerun.Verifies?.TaskId);
        using (var r = await colluder.Upload(rerun, vouch)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        var trust = Host.Store.Trust(job.Id);
        Assert.True(trust[cheater.WorkerId].Banned, "the cheat passed by its accomplice was not caught");
        Assert.True(trust[colluder.WorkerId].Banned, "the verifier that vouched for a cheat was not banned");
        Assert.Contains("passed an update failed by the coordinator's replay", trust[colluder.WorkerId].Reason);
        var audit = Assert.Single(Host.Store.Audits(job.Id), a => a.TaskId == cheatTask.TaskId);
        Assert.Equal(AuditRow.FailedOutcome, audit.Outcome);
        var ledger = await Admin.Ledger(job.Id);
        Assert.Equal(0, ledger.Single(l => l.WorkerId == cheater.WorkerId).Granted + ledger.Single(l => l.WorkerId == cheater.WorkerId).Pending);
        Assert.True(ledger.Single(l => l.WorkerId == colluder.WorkerId).Revoked > 0);
        // The round may close at once (the cheater is banned, nothing else is out): read round 1 once it has closed.
        await Admin.WaitFor(job.Id, s => s.Version >= 1, 120);
        Assert.Equal(1, (await Admin.Rounds(job.Id)).Single(r => r.Round == 1).Updates);   // only the colluder's honest upload counted
    }

    /// <summary>A logreg job verified by its workers (quorum 1, trusted after one pass) and two raw-protocol workers joined to it.</summary>
    async Task<(Api.JobCreated Job, HostileWorker First, HostileWorker Second)> TwoRawWorkers(string name, string verification, string first, string second)
    {
        var job = await Admin.CreateJob($$"""
            name: {{name}}
            model: logreg
            rounds: 3
            clients_per_round: 2
            min_clients: 1
            deadline_seconds: 60
            data: { clients: 2, train_samples: 2000 }
            local: { batch_size: 10, lr: 0.05 }
            verification: { replay: workers, quorum: 1, trusted_after: 1{{verification}} }
            """);
        var a = new HostileWorker(Host.BaseUrl, job.JoinToken, Cheat.Constant);
        var b = new HostileWorker(Host.BaseUrl, job.JoinToken, Cheat.Constant);
        await a.Join(first);
        await b.Join(second);
        return (job, a, b);
    }
}
