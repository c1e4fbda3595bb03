using System.Text;
using System.Text.Json;
using CsCheck;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Privacy.SecureAggregation;

/// <summary>
/// What strangers send to a secure round's stages, fuzzed at the round's entry (<see cref="SecureRound.Handle"/>):
/// random and mutated stage bodies get a 4xx answer, never an exception, and a refused body changes nothing: the
/// honest clients' round still unmasks to their exact sum.
/// </summary>
public class SecureRoundFuzzTests
{
    const int Clients = 4, Model = 6;

    // Structure only (no letters or digits): a mutation that is still accepted then means the same message, so the
    // honest round must still sum exactly. Content changes are the share and commitment checks' business (SecAggServer's tests).
    static Gen<byte[]> Mutated(string valid) =>
        Gen.Select(Gen.Int[0, valid.Length], Gen.Int[0, 8], Gen.String[Gen.Char["{}[]\":,. \t\n"], 0, 8])
            .Select((at, cut, insert) => Encoding.UTF8.GetBytes(valid[..at] + insert + valid[Math.Min(valid.Length, at + cut)..]));

    static readonly string[] Stages = ["keys", "neighbours", "shares", "input", "unmask", "bogus"];

    /// <summary>
    /// Random and mutated bodies at every stage name; each must be answered, and a refusal must leave the round as it
    /// was. Returns the task whose message a mutation left intact enough to be accepted (white space, key order), if any.
    /// </summary>
    static string? Fuzz(SecureRound round, string task, string valid)
    {
        string? accepted = null;
        void Check(byte[] body, string stage)
        {
            var (before, received) = (round.Stage, round.Received);
            var reply = round.Handle(task, stage, body);
            Assert.InRange(reply.Status, 200, 499);
            if (reply.Status != 200) Assert.Equal((before, received), (round.Stage, round.Received));
            else if (body is not null && round.Received > received) accepted = task;
        }
        Gen.Select(Gen.Byte.Array[0, 64], Gen.Int[0, Stages.Length - 1]).Sample((b, s) => Check(b, Stages[s]), iter: 200, threads: 1);
        Gen.Select(Mutated(valid), Gen.Int[0, Stages.Length - 1]).Sample((b, s) => Check(b, Stages[s]), iter: 400, threads: 1);
        return accepted;
    }

    /// <summary>The honest message; refused only as a repeat of one a harmless mutation already delivered.</summary>
    static void Send(SecureRound round, string task, string stage, byte[] body, string? delivered)
    {
        var reply = round.Handle(task, stage, body);
        if (task == delivered) Assert.Contains(reply.Status, new[] { 200, 409 });
        else Assert.Equal(200, reply.Status);
    }

    static byte[] Json<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, WireJson.Options);

    [Fact]
    public void Random_and_mutated_stage_messages_are_answered_with_4xx_and_the_round_still_sums_exactly()
    {
        var task = new SecureAggregationTask
        {
            Parameters = SecAggPlan.Create("job", 1, Clients, SecureUpdateFormat.LengthFor(Model), SecureQuantizer.BitsFor(16, Clients)),
            Client = 1, StageUrl = "", Clip = 100, Range = 100, QuantizationBits = 16,
        };
        var format = new SecureUpdateFormat(Model, task);
        string Task(int c) => $"t-{c}";
        var round = new SecureRound(task.Parameters, format, Enumerable.Range(1, Clients).Select(c => (Task(c), c)), DateTimeOffset.UnixEpoch,
            TimeSpan.FromSeconds(30), DateTimeOffset.UnixEpoch.AddHours(1));
        var parties = Enumerable.Range(1, Clients).Select(c => new SecAggClient(task.Parameters, c, SecAggRandom.Seeded(c))).ToArray();
        var now = DateTimeOffset.UnixEpoch;

        var keys = parties.Select(p => p.AdvertiseKeys()).ToArray();
        var delivered = Fuzz(round, Task(1), JsonSerializer.Serialize(keys[0], WireJson.Options));
        foreach (var k in keys) Send(round, Task(k.Client), "keys", Json(k), delivered);
        Assert.Equal(SecureProgress.StageClosed, round.Advance(now));

        var neighbours = parties.Select(p => JsonSerializer.Deserialize<NeighbourKeys>(round.Handle(Task(p.Index), "neighbours", null).Json!, WireJson.Options)!).ToArray();
        var shared = parties.Select((p, i) => p.ShareKeys(neighbours[i])).ToArray();
        delivered = Fuzz(round, Task(2), JsonSerializer.Serialize(shared[1], WireJson.Options));
        foreach (var s in shared) Send(round, Task(s.Client), "shares", Json(s), delivered);
        Assert.Equal(SecureProgress.StageClosed, round.Advance(now));

        var inputs = new[] { 1f, -2f, 3f, 0.5f, 0f, -1f };
        var addressed = parties.Select(p => JsonSerializer.Deserialize<AddressedShares>(round.Handle(Task(p.Index), "shares", null).Json!, WireJson.Options)!).ToArray();
        var uploads = parties.Select((p, i) => new MaskedUpload
        {
            Input = p.MaskInput(addressed[i], format.Encode(inputs.Select(x => x * (i + 1)).ToArray(), 1, 3, new Random(i), new Tessera.Data.DeterministicRandom(1))), Steps = 3,
        }).ToArray();
        delivered = Fuzz(round, Task(3), JsonSerializer.Serialize(uploads[2], WireJson.Options));
        foreach (var u in uploads) Send(round, Task(u.Input.Client), "input", Json(u), delivered);
        Assert.Equal(SecureProgress.StageClosed, round.Advance(now));

        var requests = parties.Select(p => JsonSerializer.Deserialize<UnmaskRequest>(round.Handle(Task(p.Index), "unmask", null).Json!, WireJson.Options)!).ToArray();
        var unmask = parties.Select((p, i) => p.Unmask(requests[i])).ToArray();
        delivered = Fuzz(round, Task(4), JsonSerializer.Serialize(unmask[3], WireJson.Options));
        foreach (var u in unmask) Send(round, Task(u.Client), "unmask", Json(u), delivered);
        Assert.Equal(SecureProgress.Unmasked, round.Advance(now));

        // Unweighted over 1+2+3+4 = 10 times each input (none clipped at 100), within the quantizer's bound of 4 steps.
        var aggregate = round.Aggregate(1, 4, null, new Tessera.Data.DeterministicRandom(1), _ => (1, 3));
        for (int j = 0; j < Model; j++) Assert.InRange(aggregate.Delta[j], inputs[j] * 10 / 4 - format.Quantizer.ErrorBound(4) / 4, inputs[j] * 10 / 4 + format.Quantizer.ErrorBound(4) / 4);
    }
}
