namespace Tessera.Coordinator.Tests.Trust;

/// <summary>
/// kill -9 of the coordinator while it replays an audited upload: the update was not yet counted, so on restart the
/// round is re-run from its start, the job completes, and every accepted update is credited exactly once.
/// </summary>
[Collection("coordinator")]
public sealed class AuditRestartTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    [Fact]
    public async Task Coordinator_SIGKILLed_during_an_audit_loses_and_doubles_nothing()
    {
        int port = CoordinatorProcess.FreePort();
        var first = CoordinatorProcess.Start(_data, port);
        using var admin = new AdminApi(first.Url, CoordinatorProcess.AdminKey);
        // A CNN task of 600 steps takes the coordinator many seconds to replay: time enough to kill it mid-audit.
        var job = await admin.CreateJob("""
            name: audit-restart
            model: cnn
            rounds: 1
            clients_per_round: 1
            data: { clients: 1, train_samples: 6000 }
            local: { batch_size: 10, lr: 0.05 }
            """);
        string hostileId;
        await using (var hostile = new HostileWorker(first.Url, job.JoinToken, Cheat.Constant, cheatFrom: int.MaxValue))
        {
            await hostile.Join("honest-raw");
            hostileId = hostile.WorkerId;
            var (task, body) = await hostile.Prepare(cheating: false, TimeSpan.FromMinutes(2));
            var upload = hostile.Upload(task, body);
            await Task.Delay(1000);
            if (upload.IsCompletedSuccessfully)
            {
                using var early = await upload;
                Assert.Fail($"the upload was answered before the kill ({(int)early.StatusCode} {await early.Content.ReadAsStringAsync()}); the test needs a longer replay");
            }
            Assert.False(upload.IsCompleted, "the upload failed before the kill");
            first.Kill();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => upload);
        }
        first.Dispose();

        using var second = CoordinatorProcess.Start(_data, port);
        var resumed = await admin.Job(job.Id);
        Assert.Equal(0, resumed.Version);   // the audited update never counted
        await using var pool = new WorkerPool();
        pool.Add(second.Url, job.JoinToken, "worker");
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);

        var rounds = await admin.Rounds(job.Id);
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(1, rounds.Sum(r => r.Updates));
        Assert.Equal(rounds.Sum(r => r.Updates), ledger.Sum(l => l.Updates));
        Assert.DoesNotContain(ledger, l => l.WorkerId == hostileId);
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
