using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// Untrusted input: every hostile request gets a 4xx with a message saying what was wrong, and the job is
/// left exactly as it was (no update folded, no version change, nothing credited).
/// </summary>
[Collection("coordinator")]
public sealed class HostileRequestTests : InProcessCoordinatorTest
{
    [Fact]
    public async Task Hostile_requests_are_refused_with_a_reason_and_leave_the_job_intact()
    {
        // Pool members join before the job exists, so all three are there when its first round selects.
        var (a, _) = await Join("pool", "a");
        var (b, _) = await Join("pool", "b");
        var (c, _) = await Join("pool", "c");
        var job = await Admin.CreateJob("""
            name: hostile
            model: logreg
            rounds: 3
            clients_per_round: 2
            over_selection: 1.5
            min_clients: 2
            data: { clients: 3, train_samples: 3000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10 }
            """);
        // Three invited (2 x 1.5), quorum 2.
        var tasks = await Task.WhenAll(NextTask(a), NextTask(b), NextTask(c));
        var (ta, tb, tc) = (tasks[0], tasks[1], tasks[2]);
        var good = await Update(ta);

        async Task Refused(HttpStatusCode status, string fragment, (HttpStatusCode Status, string Error) r)
        {
            Assert.Equal(status, r.Status);
            Assert.Contains(fragment, r.Error, StringComparison.OrdinalIgnoreCase);
            var s = await Admin.Job(job.Id);
            Assert.Equal(0, s.RoundUpdates);
            Assert.Equal(0, s.Version);
        }

        await Refused(HttpStatusCode.Unauthorized, "bearer", await Upload(null, ta.TaskId, good));
        await Refused(HttpStatusCode.Unauthorized, "unknown", await Upload("forged-token", ta.TaskId, good));
        await Refused(HttpStatusCode.Forbidden, "another worker", await Upload(b, ta.TaskId, good));
        await Refused(HttpStatusCode.NotFound, "unknown task", await Upload(a, "t-doesnotexist", good));
        await Refused(HttpStatusCode.BadRequest, "shape", await Upload(a, ta.TaskId, await Update(ta,
            t => Tessera.Protocol.NamedTensor.FromFloats(t.Name, [t.ElementCount()], t.ToFloatArray()))));
        await Refused(HttpStatusCode.BadRequest, "NaN", await Upload(a, ta.TaskId, await Update(ta,
            t => Tessera.Protocol.NamedTensor.FromFloats(t.Name, t.Shape.ToArray(), t.ToFloatArray().Select((v, i) => i == 3 ? float.NaN : v).ToArray()))));
        await Refused(HttpStatusCode.BadRequest, "I64", await Upload(a, ta.TaskId, await Update(ta,
            t => Tessera.Protocol.NamedTensor.FromInt64s(t.Name, t.Shape.ToArray(), new long[t.ElementCount()]))));
        await Refused(HttpStatusCode.BadRequest, "task_id", await Upload(a, ta.TaskId, await Update(ta, meta: e => e with { TaskId = tb.TaskId })));
        await Refused(HttpStatusCode.Conflict, "stale", await Upload(a, ta.TaskId, await Update(ta, meta: e => e with { BaseVersion = 7 })));
        await Refused(HttpStatusCode.BadRequest, "sample_count", await Upload(a, ta.TaskId, await Update(ta, meta: e => e with { SampleCount = 1_000_000 })));
        await Refused(HttpStatusCode.BadRequest, "safetensors", await Upload(a, ta.TaskId, "not a tensor file"u8.ToArray()));
        await Refused(HttpStatusCode.RequestEntityTooLarge, "limit", await Upload(a, ta.TaskId, new byte[good.Length + (2 << 20)]));

        // The honest upload still works after all that, and a replay of it is refused.
        Assert.Equal(HttpStatusCode.OK, (await Upload(a, ta.TaskId, good)).Status);
        Assert.Equal(1, (await Admin.Job(job.Id)).RoundUpdates);
        var replay = await Upload(a, ta.TaskId, good);
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.Contains("already accepted", replay.Error);
        Assert.Equal(1, (await Admin.Job(job.Id)).RoundUpdates);

        // b completes the quorum; c's upload then arrives for a closed round (stale) and is refused.
        Assert.Equal(HttpStatusCode.OK, (await Upload(b, tb.TaskId, await Update(tb))).Status);
        await Admin.WaitFor(job.Id, s => s.Version == 1);
        var late = await Upload(c, tc.TaskId, await Update(tc));
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        Assert.Contains("closed", late.Error);
        var rounds = await Admin.Rounds(job.Id);
        Assert.Equal(2, rounds.Single(r => r.Round == 1).Updates);
        Assert.Equal(2, (await Admin.Ledger(job.Id)).Sum(l => l.Updates));
    }

    [Fact]
    public async Task A_SCAFFOLD_upload_with_a_wrong_shaped_control_variate_delta_is_refused_and_changes_nothing()
    {
        var job = await Admin.CreateJob("""
            name: hostile-scaffold
            model: logreg
            rounds: 2
            clients_per_round: 1
            strategy: { name: scaffold }
            data: { clients: 2, train_samples: 2000 }
            verification: { replay: off }   # synthetic updates, not trained ones: nothing to replay
            local: { batch_size: 10 }
            """);
        var (a, aId) = await Join(job.JoinToken, "a");
        var task = await NextTask(a);
        Assert.NotNull(task.ServerControlUrl);
        Assert.NotNull(task.ClientControlUrl);
        var ciBefore = await Download(a, task.ClientControlUrl!);
        Assert.All(TestTensors.Floats(ciBefore), v => Assert.Equal(0f, v));

        async Task Refused(string fragment, byte[] body)
        {
            var r = await Upload(a, task.TaskId, body);
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Contains(fragment, r.Error, StringComparison.Ordinal);
            var s = await Admin.Job(job.Id);
            Assert.Equal((0, 0L), (s.RoundUpdates, s.Version));
            Assert.Equal(ciBefore, await Download(a, task.ClientControlUrl!));
            Assert.False(Directory.Exists(Path.Combine(DataDirectory, "blobs", "controls", job.Id)), "a refused upload wrote a control variate");
        }

        await Refused("shape", await ScaffoldUpdate(task, wrongShape: true));
        await Refused("missing tensor 'control_delta/", await Update(task));
        await Refused("NaN", await ScaffoldUpdate(task, wrongShape: false, value: float.NaN));

        // The honest upload (Δc_i = 0.5 everywhere) closes the round: c = |S|/N · mean Δc_i = 1/2 · 0.5, c_i = 0.5.
        Assert.Equal(HttpStatusCode.OK, (await Upload(a, task.TaskId, await ScaffoldUpdate(task, wrongShape: false))).Status);
        await Admin.WaitFor(job.Id, s => s.Version == 1);
        Assert.All(TestTensors.Floats(await Download(a, $"/api/v1/controls/{job.Id}/1")), v => Assert.Equal(0.25f, v));
        Assert.All(TestTensors.Floats(await Download(a, $"/api/v1/controls/{job.Id}/1/workers/{aId}")), v => Assert.Equal(0.5f, v));
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(a, $"/api/v1/controls/{job.Id}/1/workers/w-000000000000")).StatusCode);
    }

    /// <summary>A SCAFFOLD update: weight deltas plus Δc_i per parameter, the first one flattened when <paramref name="wrongShape"/>.</summary>
    async Task<byte[]> ScaffoldUpdate(TaskMessage task, bool wrongShape, float value = 0.5f)
    {
        var weights = SafetensorsFile.Read(await Http.GetByteArrayAsync(task.WeightsUrl));
        var tensors = weights.Tensors.Select(t => Tessera.Protocol.NamedTensor.FromFloats(t.Name, t.Shape.ToArray(), Enumerable.Repeat(0.001f, (int)t.ElementCount()).ToArray())).ToList();
        tensors.AddRange(weights.Tensors.Select((t, i) => Tessera.Protocol.NamedTensor.FromFloats(ControlVariateTensors.DeltaPrefix + t.Name,
            wrongShape && i == 0 ? [t.ElementCount()] : t.Shape.ToArray(), Enumerable.Repeat(value, (int)t.ElementCount()).ToArray())));
        var env = new UpdateEnvelope { TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = 50, Steps = 5, LossTrace = [1f], Commitment = new string('a', 64) };
        return new SafetensorsFile(tensors, env.ToMetadata()).ToBytes();
    }

    async Task<HttpResponseMessage> Get(string session, string url)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        return await Http.SendAsync(req);
    }

    async Task<byte[]> Download(string session, string url)
    {
        using var res = await Get(session, url);
        Assert.True(res.IsSuccessStatusCode, $"GET {url}: {(int)res.StatusCode}");
        return await res.Content.ReadAsByteArrayAsync();
    }


    [Fact]
    public async Task Job_management_needs_the_admin_key_and_bad_specs_name_the_field()
    {
        var noKey = await Http.PostAsync("/api/v1/jobs", new StringContent("name: x"));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Contains("X-Api-Key", await noKey.Content.ReadAsStringAsync());

        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent("name: x\nlocal: { lr: -1 }") };
        req.Headers.Add("X-Api-Key", "k");
        var bad = await Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("local.lr", await bad.Content.ReadAsStringAsync());

        var join = await Http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = "not-a-token" }, WireJson.Options);
        Assert.Equal(HttpStatusCode.Unauthorized, join.StatusCode);

        // Expect: 100-continue, as a well-behaved client sends a large body: the refusal comes back as a 413. Without it
        // the server's early refusal can reach the client as a broken pipe while it is still sending.
        using var oversized = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workers/join") { Content = new ByteArrayContent(new byte[3 << 20]), Headers = { ExpectContinue = true } };
        var big = await Http.SendAsync(oversized);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
    }
}
