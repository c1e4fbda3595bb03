using System.Net;
using System.Text.Json;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Trust;

namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// The band between tolerance and fail_above, where rare honest cross-runtime replays land (docs/TRUST.md): an
/// update there is left out of the model but its credit is held, not forfeited, and released when the worker's next
/// audit passes, so an honest outlier costs its worker nothing. A worker that stays in the band (a cheater bending
/// its updates by a few percent) is banned at the third inconclusive audit in a row and paid nothing.
/// </summary>
[Collection("coordinator")]
public sealed class InconclusiveAuditTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task Held_credit_is_released_by_a_pass_and_a_run_of_inconclusive_audits_is_a_ban()
    {
        var job = await Admin.CreateJob("""
            name: band
            model: logreg
            rounds: 10
            clients_per_round: 1
            min_clients: 1
            deadline_seconds: 30
            data: { clients: 2, train_samples: 1000 }
            local: { batch_size: 10, lr: 0.1 }
            verification: { grant_after_rounds: 5 }
            """);
        await using var worker = new HostileWorker(Host.BaseUrl, job.JoinToken, Cheat.Nudged);
        await worker.Join("sometimes-off");

        // 1. Nudged: inconclusive, left out, credit held.
        var first = await Send(worker, cheating: true);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.Status);
        Assert.Contains("inconclusive", first.Error);
        Assert.Contains("held", first.Error);
        var held = Assert.Single(Host.Store.LedgerEntries(job.Id, worker.WorkerId, 100));
        Assert.Equal(CreditRule.Held, held.Status);
        Assert.True(held.Credits > 0);
        var totals = Assert.Single(await Admin.Ledger(job.Id));
        Assert.Equal((0.0, 0.0, held.Credits, 0L), (totals.Granted, totals.Pending, totals.Held, totals.Updates));

        // 2. Honest: passes, and the pass releases the held credit to pending.
        var second = await Send(worker, cheating: false);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        var released = Host.Store.LedgerEntries(job.Id, worker.WorkerId, 100).Single(e => e.TaskId == held.TaskId);
        Assert.Equal(CreditRule.Pending, released.Status);
        Assert.Contains("released", released.Reason);
        Assert.Equal(0, Host.Store.Trust(job.Id)[worker.WorkerId].Doubts);

        // 3. Three nudged in a row: the third is a ban; everything still pending or held is revoked.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(worker, cheating: true)).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(worker, cheating: true)).Status);
        Assert.Equal(2, Host.Store.LedgerEntries(job.Id, worker.WorkerId, 100).Count(e => e.Status == CreditRule.Held));
        var third = await Send(worker, cheating: true);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third.Status);
        Assert.Contains("3 inconclusive audits in a row", third.Error);
        Assert.Contains("banned", third.Error);
        var trust = Host.Store.Trust(job.Id)[worker.WorkerId];
        Assert.True(trust.Banned);
        Assert.Contains("3 inconclusive audits in a row", trust.Reason);
        var entries = Host.Store.LedgerEntries(job.Id, worker.WorkerId, 100);
        Assert.Equal(5, entries.Count);
        Assert.All(entries, e => Assert.Equal(CreditRule.Revoked, e.Status));
        Assert.Equal(0.0, (await Admin.Ledger(job.Id)).Single().Held);

        // Only the honest upload ever counted in a round; the audits say which were inconclusive.
        Assert.Equal(1, (await Admin.Rounds(job.Id)).Sum(r => r.Updates));
        var audits = Host.Store.Audits(job.Id);
        Assert.Equal(3, audits.Count(a => a.Outcome == AuditRow.InconclusiveOutcome));
        Assert.Single(audits, a => a.Passed);
        Assert.Single(audits, a => a.Outcome == AuditRow.FailedOutcome);
    }

    static async Task<(HttpStatusCode Status, string Error)> Send(HostileWorker worker, bool cheating)
    {
        var (task, body) = await worker.Prepare(cheating, TimeSpan.FromSeconds(60));
        using var res = await worker.Upload(task, body);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, res.IsSuccessStatusCode ? "" : JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!);
    }
}
