using System.Net;
using System.Text.Json;
using Tessera.Coordinator.Tests.Trust;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>
/// FedBuff under secure aggregation: SecAgg+ per buffer of K. The coordinator hands out K tasks at once from one
/// version; they mask together, and the unmasked mean is one server step. No update is ever taken in the clear.
/// </summary>
[Collection("coordinator")]
public sealed class SecureFedBuffJobTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    CoordinatorHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions { DataDirectory = _data, AdminKey = "k", Port = 0, Quiet = true, EvalSamples = 2000 });
        await _host.StartAsync();
    }

    static string Spec(string name, string privacy, int rounds = 4) => $$"""
        name: {{name}}
        model: logreg
        rounds: {{rounds}}
        clients_per_round: 6
        strategy: { name: fedbuff, buffer_size: 3, max_staleness: 4 }
        data: { clients: 6, train_samples: 6000 }
        local: { epochs: 1, batch_size: 20, lr: 0.1 }
        verification: { replay: off }
        {{privacy}}
        """;

    [Fact]
    public async Task Six_workers_take_masked_server_steps_in_buffers_of_three_and_learn()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(Spec("fedbuff-secagg", "privacy: { secure_aggregation: { clip: 100, stage_seconds: 20 } }"));
        await using var pool = new WorkerPool();
        for (int i = 0; i < 6; i++) pool.Add(_host.BaseUrl, job.JoinToken, $"worker-{i}");

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.True(done.Status == "completed", $"{done.Status}: {done.Error}");
        Assert.Equal(4, done.Version);
        var steps = (await admin.Rounds(job.Id)).Where(r => r.Status == "closed").ToList();
        Assert.Equal([1, 2, 3, 4], steps.Select(r => r.Round));
        // Each step is one buffer's unmasked mean: its three members, credited under it, once.
        Assert.All(steps, r => Assert.Equal(3, r.Updates));
        Assert.Equal(12, (await admin.Ledger(job.Id)).Sum(l => l.Updates));
        Assert.True(done.LastAccuracy > 0.8, $"accuracy after 4 masked FedBuff steps was {done.LastAccuracy:P1}");
    }

    [Fact]
    public async Task Attacker_reading_updates_in_the_clear_gets_them_from_plain_fedbuff_and_not_from_a_secure_buffer()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        // The attack: a worker's update arrives in the clear and the coordinator keeps it. Plain FedBuff takes it.
        var plain = await admin.CreateJob(Spec("fedbuff-plain-view", "", rounds: 1).Replace("buffer_size: 3", "buffer_size: 2"));
        await using (var seen = new HostileWorker(_host.BaseUrl, plain.JoinToken, Cheat.Zeros))
        {
            await seen.Join("curious-0");
            var (task, body) = await seen.Prepare(cheating: false, TimeSpan.FromSeconds(60));
            Assert.Null(task.SecureAggregation);
            using var res = await seen.Upload(task, body);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }

        // Under secure aggregation the same upload is refused with a reason, and nothing is counted.
        var secure = await admin.CreateJob(Spec("fedbuff-secagg-view", "privacy: { secure_aggregation: { clip: 100, stage_seconds: 20 } }"));
        await using var pool = new WorkerPool();
        for (int i = 0; i < 2; i++) pool.Add(_host.BaseUrl, secure.JoinToken, $"worker-{i}");
        await using var stranger = new HostileWorker(_host.BaseUrl, secure.JoinToken, Cheat.Zeros);
        await stranger.Join("stranger");
        var (secureTask, update) = await stranger.Prepare(cheating: false, TimeSpan.FromSeconds(60));
        Assert.NotNull(secureTask.SecureAggregation);
        Assert.Equal(3, secureTask.SecureAggregation!.Parameters.Clients);   // the buffer, not clients_per_round
        using var refused = await stranger.Upload(secureTask, update);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("secure buffer", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(0, (await admin.Job(secure.Id)).Version);
        Assert.Empty(await admin.Ledger(secure.Id));
    }

    [Fact]
    public async Task Attacker_inside_a_buffer_cannot_speak_for_another_member_replay_or_stall_it_and_is_unmasked_around()
    {
        // A stranger speaking the raw protocol takes one of a buffer's four tasks: it tries to speak as another member,
        // replays its keys, then vanishes after sharing them (to stall the buffer or leave a mask in the sum).
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(Spec("fedbuff-secagg-stranger", "privacy: { secure_aggregation: { clip: 100, stage_seconds: 15 } }", rounds: 1)
            .Replace("buffer_size: 3", "buffer_size: 4").Replace("clients_per_round: 6", "clients_per_round: 4\ndeadline_seconds: 30"));
        using var stranger = new SecAggProbe(_host.BaseUrl, job.JoinToken);
        await using var pool = new WorkerPool();
        var (task, me) = await stranger.TakeTaskBesideThreeWorkers(pool, _host.BaseUrl);
        var sa = task.SecureAggregation!;
        var keys = me.AdvertiseKeys();
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Post(task, "keys", keys with { Client = sa.Client % 4 + 1 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await stranger.Post(task, "keys", keys)).Status);
        var (status, body) = await stranger.Post(task, "keys", keys);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Matches("already advertised|belongs to stage", SecAggProbe.Error(body));
        Assert.Equal(HttpStatusCode.OK, (await stranger.Post(task, "shares", me.ShareKeys(await stranger.Await<NeighbourKeys>(task, "neighbours")))).Status);
        await stranger.Await<AddressedShares>(task, "shares");

        // Gone before its masked input: the three honest members' sum is unmasked with its shares, and steps the model.
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 180);
        Assert.True(done.Status == "completed", $"{done.Status}: {done.Error}");
        Assert.Equal(1, done.Version);
        Assert.Equal(3, Assert.Single(await admin.Rounds(job.Id), r => r.Status == "closed").Updates);
        Assert.True(done.LastAccuracy > 0.5, $"a mask left in the sum would leave chance accuracy; got {done.LastAccuracy:P1}");
        var ledger = await admin.Ledger(job.Id);
        Assert.Equal(3, ledger.Sum(l => l.Updates));
        Assert.DoesNotContain(ledger, l => l.Name == "stranger" && l.Updates > 0);
        // Too late now: its buffer is over.
        (status, _) = await stranger.Post(task, "input", new MaskedUpload { Input = new MaskedInput(sa.Client, new byte[4 * sa.Parameters.Length]) });
        Assert.Equal(HttpStatusCode.Conflict, status);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
