using System.Net;
using System.Text;
using System.Text.Json;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>
/// A secure round against a stranger speaking the raw protocol, and what the coordinator gets to see: malformed,
/// replayed and misaddressed stage messages get a clear 4xx and change nothing; a client that drops after sharing
/// keys is unmasked from its neighbours' shares; every masked input the coordinator receives looks uniform.
/// </summary>
[Collection("coordinator")]
public sealed class SecureHostileTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;

    const string Spec = """
        name: e2e-secagg-hostile
        model: logreg
        rounds: 1
        deadline_seconds: 45
        clients_per_round: 4
        data: { clients: 4, train_samples: 4000 }
        local: { epochs: 1, batch_size: 20, lr: 0.1 }
        verification: { replay: off }
        privacy: { secure_aggregation: { clip: 100, stage_seconds: 15 } }
        """;

    [Fact]
    public async Task A_strangers_bad_stage_messages_are_refused_its_dropout_is_unmasked_and_the_server_sees_only_uniform_words()
    {
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(Spec);
        await using var proxy = new RecordingProxy(coordinator.Url);
        using var probe = new SecAggProbe(coordinator.Url, job.JoinToken);
        await using var pool = new WorkerPool();
        var (task, me) = await probe.TakeTaskBesideThreeWorkers(pool, proxy.Url);
        var sa = task.SecureAggregation!;
        var keys = me.AdvertiseKeys();

        // Stage 1: garbage, a point off the curve, another client's number, a stage out of order; then the real keys, once.
        Assert.Equal(HttpStatusCode.BadRequest, (await probe.PostRaw(task, "keys", Encoding.UTF8.GetBytes("{not json"))).Status);
        var offCurve = keys with { MaskKey = [4, .. new byte[64]] };
        var (status, body) = await probe.Post(task, "keys", offCurve);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("P-256", SecAggProbe.Error(body));
        Assert.Equal(HttpStatusCode.Forbidden, (await probe.Post(task, "keys", keys with { Client = sa.Client % 4 + 1 })).Status);
        (status, body) = await probe.Post(task, "input", new MaskedUpload { Input = new MaskedInput(sa.Client, new byte[8]) });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("stage", SecAggProbe.Error(body));
        Assert.Equal(HttpStatusCode.NotFound, (await probe.Get(task, "everything", wait: 0)).Status);
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "keys", keys)).Status);
        // A replay: "already advertised", or, if those keys completed the stage, "belongs to stage AdvertiseKeys".
        (status, body) = await probe.Post(task, "keys", keys);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Matches("already advertised|belongs to stage", SecAggProbe.Error(body));

        // Stage 2: a share list one short, then the real one.
        var neighbours = await probe.Await<NeighbourKeys>(task, "neighbours");
        var shared = me.ShareKeys(neighbours);
        (status, body) = await probe.Post(task, "shares", shared with { Shares = shared.Shares.Skip(1).ToList() });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("shares for its", SecAggProbe.Error(body));
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "shares", shared)).Status);
        await probe.Await<AddressedShares>(task, "shares");

        // Stage 3: a masked input of the wrong length is refused; then the stranger vanishes, having shared its keys.
        (status, body) = await probe.Post(task, "input", new MaskedUpload { Input = new MaskedInput(sa.Client, new byte[12]) });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("words", SecAggProbe.Error(body));

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.Equal("completed", done.Status);
        // Its pairwise masks were rebuilt and removed: a mask left in is uniform noise in Z_2^b, and the model would be at chance.
        Assert.True(done.LastAccuracy > 0.7, $"accuracy {done.LastAccuracy}");
        var round = (await admin.Rounds(job.Id)).Single(r => r.Status == "closed");
        Assert.Equal(3, round.Updates);

        // What the coordinator received from the honest workers: masked words that look uniform, and no update in the clear.
        var sent = Encoding.Latin1.GetString(proxy.Sent());
        Assert.DoesNotContain("/result ", sent);
        var inputs = MaskedInputs(sent).ToList();
        Assert.Equal(3, inputs.Count);
        foreach (var words in inputs) Assert.True(ChiSquareTopByte(words, sa.Parameters.Bits) < 340, "a masked input is not uniform");
        // The test can tell: the same statistic on a quantized, unmasked update is far off.
        var plain = new uint[words0(inputs).Length];
        new SecureQuantizer(100, sa.QuantizationBits, 4).Quantize(new float[plain.Length], plain, new Random(1));
        Assert.True(ChiSquareTopByte(plain, sa.Parameters.Bits) > 10_000);

        static uint[] words0(List<uint[]> all) => all[0];
    }

    [Fact]
    public async Task A_fednova_client_that_claims_more_steps_than_its_task_gave_cannot_inflate_the_rounds_step()
    {
        // FedNova under secure aggregation scales the unmasked mean by τ_eff/τ_ref, and τ_eff is the weighted mean of
        // the steps survivors report in the clear. This stranger masks an honest (zero) update but claims int.MaxValue
        // steps: counted as sent, τ_eff/τ_ref would be in the millions and the model would fly off. Capped at the steps
        // each task was assigned (all ≤ τ_ref), the scale stays ≤ 1, as in any honest cohort, so the model moves by at
        // most the clipping bound C.
        const double clip = 100;
        var spec = Spec.Replace("e2e-secagg-hostile", "e2e-secagg-nova-steps")
            .Replace("train_samples: 4000 }", "train_samples: 4000, partition: quantity }")
            .Replace("verification:", "strategy: { name: fednova }\nverification:");
        using var coordinator = CoordinatorProcess.Start(_data, 0);
        using var admin = new AdminApi(coordinator.Url, CoordinatorProcess.AdminKey);
        var job = await admin.CreateJob(spec);
        using var probe = new SecAggProbe(coordinator.Url, job.JoinToken);
        await probe.Join("stranger");
        await using var pool = new WorkerPool();
        for (int i = 0; i < 3; i++) pool.Add(coordinator.Url, job.JoinToken, $"worker-{i}");

        var task = await probe.NextTask(TimeSpan.FromSeconds(60));
        var sa = task.SecureAggregation!;
        Assert.True(sa.ReferenceSteps >= task.Steps, $"τ_ref {sa.ReferenceSteps} below this task's {task.Steps} steps");
        var me = new SecAggClient(sa.Parameters, sa.Client);
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "keys", me.AdvertiseKeys())).Status);
        var neighbours = await probe.Await<NeighbourKeys>(task, "neighbours");
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "shares", me.ShareKeys(neighbours))).Status);
        var shares = await probe.Await<AddressedShares>(task, "shares");
        var format = new SecureUpdateFormat(sa.Parameters.Length - SecureUpdateFormat.LengthFor(0), sa);
        var words = format.Encode(new float[format.ModelLength], task.Data.Samples, task.Steps, new Random(1), new Tessera.Data.DeterministicRandom(1));
        var lie = new MaskedUpload { Input = me.MaskInput(shares, words), Steps = int.MaxValue, MeanLoss = 0.1 };
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "input", lie)).Status);
        var request = await probe.Await<UnmaskRequest>(task, "unmask");
        Assert.Equal(HttpStatusCode.OK, (await probe.Post(task, "unmask", me.Unmask(request))).Status);

        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed", maxSeconds: 300);
        Assert.True(done.Status == "completed", $"{done.Status} {done.Error}");
        Assert.Equal(4, (await admin.Rounds(job.Id)).Single(r => r.Status == "closed").Updates);
        var (moved, _) = await TestTensors.Moved(admin, job.Id);
        Assert.True(moved <= clip * 1.01, $"the model moved {moved:G4}, beyond C = {clip}: the claimed steps were counted");
        Assert.True(done.LastAccuracy > 0.7, $"accuracy {done.LastAccuracy}");
    }

    /// <summary>χ² of the top 8 bits of b-bit words against uniform (255 degrees of freedom; 99.9% below about 330).</summary>
    static double ChiSquareTopByte(uint[] words, int bits)
    {
        var counts = new long[256];
        foreach (var w in words) counts[(w >> (bits - 8)) & 0xFF]++;
        double expected = words.Length / 256.0;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    /// <summary>The words of every masked-input POST in a recorded byte stream.</summary>
    static IEnumerable<uint[]> MaskedInputs(string sent)
    {
        for (int at = sent.IndexOf("/secagg/input", StringComparison.Ordinal); at >= 0; at = sent.IndexOf("/secagg/input", at + 1, StringComparison.Ordinal))
        {
            int start = sent.IndexOf("\r\n\r\n", at, StringComparison.Ordinal) + 4;
            int end = start;
            int depth = 0;
            do { depth += sent[end] == '{' ? 1 : sent[end] == '}' ? -1 : 0; end++; } while (depth > 0);
            var upload = JsonSerializer.Deserialize<MaskedUpload>(sent[start..end], WireJson.Options)!;
            yield return SecAggWords.Decode(upload.Input.Words);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
