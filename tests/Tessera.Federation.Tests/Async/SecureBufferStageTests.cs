using System.Text.Json;
using Tessera.Federation.Async;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire;
using Tessera.Protocol.Wire.SecureAggregation;

namespace Tessera.Federation.Tests.Async;

/// <summary>
/// FedBuff's buffers under secure aggregation (<see cref="SecureBufferStage"/>): whole buffers of K from the free
/// workers, stage requests routed by task to the buffer's own SecAgg+ round, and each buffer ended once: its
/// unmasked mean with the survivors' capped steps, or why it failed.
/// </summary>
public class SecureBufferStageTests
{
    const int K = 3, Model = 4;
    static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    static SecureAggregationTask Terms(int serial) => new()
    {
        Parameters = SecAggPlan.Create("job", serial, K, SecureUpdateFormat.LengthFor(Model), SecureQuantizer.BitsFor(16, K)),
        Client = 1, StageUrl = "", Clip = 100, Range = 100, QuantizationBits = 16,
    };

    static SecureBufferStage.Buffer Start(SecureBufferStage stage, string prefix, long version = 0) =>
        stage.Start(version, Enumerable.Range(1, K).Select(c => $"{prefix}{c}").ToList(), serial =>
        {
            var terms = Terms(serial);
            return new SecureRound(terms.Parameters, new SecureUpdateFormat(Model, terms), Enumerable.Range(1, K).Select(c => ($"{prefix}{c}", c)), T0,
                TimeSpan.FromSeconds(10), T0.AddMinutes(5));
        }, _ => (100, 5));

    static byte[] Json<T>(T m) => JsonSerializer.SerializeToUtf8Bytes(m, WireJson.Options);
    static T Read<T>(SecureStageReply r) => JsonSerializer.Deserialize<T>(r.Json!, WireJson.Options)!;

    /// <summary>Runs the buffer's K honest parties through every stage; client c sends c × <paramref name="input"/> and claims 9 steps.</summary>
    static SecureBufferStage.Ended Run(SecureBufferStage stage, SecureBufferStage.Buffer b, float[] input)
    {
        var terms = Terms(b.Serial);
        var format = new SecureUpdateFormat(Model, terms);
        var parties = Enumerable.Range(1, K).Select(c => new SecAggClient(terms.Parameters, c, SecAggRandom.Seeded(c))).ToArray();
        string Task(SecAggClient p) => b.Tasks[p.Index - 1];
        SecureBufferStage.Ended? ended = null;
        void Post<T>(SecAggClient p, string name, T m)
        {
            var (reply, _, e) = stage.Handle(Task(p), name, Json(m), T0);
            Assert.Equal(200, reply.Status);
            ended ??= e;
        }
        foreach (var p in parties) Post(p, "keys", p.AdvertiseKeys());
        foreach (var p in parties) Post(p, "shares", p.ShareKeys(Read<NeighbourKeys>(stage.Handle(Task(p), "neighbours", null, T0).Reply)));
        foreach (var p in parties)
        {
            var words = format.Encode(input.Select(x => x * p.Index).ToArray(), 100, 9, new Random(p.Index), new Tessera.Data.DeterministicRandom(1));
            Post(p, "input", new MaskedUpload { Input = p.MaskInput(Read<AddressedShares>(stage.Handle(Task(p), "shares", null, T0).Reply), words), Steps = 9, MeanLoss = 0.5 });
        }
        foreach (var p in parties) Post(p, "unmask", p.Unmask(Read<UnmaskRequest>(stage.Handle(Task(p), "unmask", null, T0).Reply)));
        return ended ?? throw new InvalidOperationException("the buffer never ended");
    }

    [Fact]
    public void Free_workers_make_only_whole_buffers_and_no_more_than_the_room_allows()
    {
        var stage = new SecureBufferStage(K);
        var free = Enumerable.Range(0, 10).ToList();
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6, 7, 8]], stage.Groups(free, room: 100));
        Assert.Equal([[0, 1, 2], [3, 4, 5]], stage.Groups(free, room: 8));
        Assert.Empty(stage.Groups(free, room: 2));
        Assert.Empty(stage.Groups([0, 1], room: 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SecureBufferStage(2));
        Assert.Throws<ArgumentException>(() => stage.Start(0, ["a", "b"], _ => throw new InvalidOperationException(), _ => (1, 1)));
    }

    [Fact]
    public void Two_buffers_in_flight_mask_apart_and_each_ends_once_with_its_own_unmasked_mean()
    {
        var stage = new SecureBufferStage(K);
        var first = Start(stage, "a");
        var second = Start(stage, "b", version: 1);
        Assert.NotEqual(first.Serial, second.Serial);   // each its own SecAgg+ instance

        // A task speaks only as its own client of its own buffer's round.
        var (crossed, _, _) = stage.Handle("a1", "keys", Json(new SecAggClient(Terms(second.Serial).Parameters, 2, SecAggRandom.Seeded(9)).AdvertiseKeys()), T0);
        Assert.Equal(403, crossed.Status);

        float[] input = [1f, -2f, 0.5f, 4f];
        var ended = Run(stage, second, input);
        Assert.Same(second, ended.Buffer);
        Assert.Null(ended.Failure);
        var bound = new SecureUpdateFormat(Model, Terms(2)).Quantizer.ErrorBound(K) / K;
        for (int j = 0; j < Model; j++) Assert.InRange(ended.Mean!.Delta[j], input[j] * 2 - bound, input[j] * 2 + bound);   // (1 + 2 + 3) / 3
        Assert.All(ended.Survivors, s => Assert.Equal(5, s.Upload.Steps));   // claimed 9, assigned 5
        Assert.Equal(K, ended.Survivors.Count);

        // Over: its tasks are no longer routed, and the other buffer is untouched.
        Assert.Equal(409, stage.Handle("b1", "unmask", null, T0).Reply.Status);
        Assert.Equal(202, stage.Handle("a1", "neighbours", null, T0).Reply.Status);
        Assert.Empty(stage.Advance(T0).Ended);
        Assert.Same(first, Run(stage, first, input).Buffer);
    }

    [Fact]
    public void A_buffer_whose_members_never_advertise_fails_once_its_stage_time_is_up()
    {
        var stage = new SecureBufferStage(K);
        var b = Start(stage, "a");
        Assert.Empty(stage.Advance(T0.AddSeconds(5)).Ended);
        var (changed, ended) = stage.Advance(T0.AddSeconds(11));
        Assert.True(changed);
        var e = Assert.Single(ended);
        Assert.Same(b, e.Buffer);
        Assert.Null(e.Mean);
        Assert.NotNull(e.Failure);
        Assert.Empty(stage.Advance(T0.AddMinutes(10)).Ended);   // ended once
    }
}
