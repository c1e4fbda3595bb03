using CsCheck;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Jobs;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// Random and mutated update bodies, in every upload encoding, against the decoder a stranger's upload meets first:
/// each is decoded or refused with an <see cref="UploadRejectedException"/> (a 4xx), never another exception, and
/// anything it accepts is finite and model-sized.
/// </summary>
public sealed class UploadDecoderFuzzTests
{
    static readonly ParameterSet Template = new([new("w", [6, 5], new float[30]), new("b", [5], new float[5])]);
    static readonly TaskInfo Task = new("t-1", "w-1", 1, 3, Steps: 4, Shard: 0, LocalData: null, Samples: 40, Deadline: DateTimeOffset.MaxValue);

    static readonly UploadEncoding?[] Encodings =
    [
        null, new() { Codec = UploadEncoding.Fp16 }, new() { Codec = UploadEncoding.Bf16 },
        new() { Codec = UploadEncoding.Int8, BlockSize = 8 }, new() { Codec = UploadEncoding.TopK, Fraction = 0.2 },
    ];

    static byte[] Valid(UploadEncoding? encoding)
    {
        var encoder = new UpdateEncoder();
        var r = new Random(3);
        var tensors = Template.Tensors.SelectMany(p => encoder.Encode("job", encoding, p.Name, p.Shape,
            Enumerable.Range(0, (int)p.Count).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray())).ToList();
        var envelope = new UpdateEnvelope { TaskId = Task.Id, BaseVersion = Task.Version, SampleCount = 40, Steps = 4, LossTrace = [1f, 0.9f, 0.8f, 0.7f], Commitment = new string('c', 64) };
        return new SafetensorsFile(tensors, UpdateEncoder.WithEncoding(envelope.ToMetadata(), encoding)).ToBytes();
    }

    static void Check(byte[] body, UploadEncoding? encoding)
    {
        try
        {
            var (update, _) = UploadDecoder.Decode(body, Task, Template, batchSize: 10, "w-1", encoding);
            Assert.Equal(Template.Count, update.Delta.Length);
            Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(update.Delta), "an accepted update holds non-finite values");
        }
        catch (UploadRejectedException e) { Assert.InRange(e.Status, 400, 499); }
    }

    [Fact]
    public void Every_encodings_valid_update_is_accepted()
    {
        foreach (var e in Encodings) Check(Valid(e), e);
        foreach (var e in Encodings) UploadDecoder.Decode(Valid(e), Task, Template, 10, "w-1", e);
    }

    [Fact]
    public void Decoding_into_a_reused_array_of_stale_values_gives_the_fresh_decode()
    {
        // The coordinator decodes uploads into arrays it reuses (DeltaBuffers): nothing of the last upload may leak
        // into the next, top-k's untouched coordinates included.
        foreach (var e in Encodings)
        {
            var fresh = UploadDecoder.Decode(Valid(e), Task, Template, 10, "w-1", e).Update.Delta;
            var stale = Enumerable.Repeat(123.5f, (int)Template.Count).ToArray();
            var reused = UploadDecoder.Decode(Valid(e), Task, Template, 10, "w-1", e, into: stale).Update.Delta;
            Assert.Same(stale, reused);
            Assert.Equal(fresh, reused);
        }
        Assert.Throws<ArgumentException>(() => UploadDecoder.Decode(Valid(null), Task, Template, 10, "w-1", null, into: new float[3]));
    }

    [Fact]
    public void Random_and_mutated_bodies_are_decoded_or_refused_with_a_4xx()
    {
        var valid = Encodings.Select(Valid).ToArray();
        // Flip, overwrite and cut bytes of a valid body: headers, offsets, dtypes, shapes and the payload all get hit.
        var mutated = Gen.Select(Gen.Int[0, Encodings.Length - 1], Gen.Int[0, 1 << 20], Gen.Byte, Gen.Int[0, 2]).Select((e, at, value, how) =>
        {
            var body = (byte[])valid[e].Clone();
            int i = at % body.Length;
            byte[] result = how switch
            {
                0 => body.Select((b, j) => j == i ? value : b).ToArray(),
                1 => body[..i],
                _ => body.Select((b, j) => j >= i && j < i + 4 ? (byte)(b ^ value) : b).ToArray(),
            };
            return (result, e);
        });
        mutated.Sample(t => Check(t.result, Encodings[t.e]), iter: 2000, threads: 1);
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, Encodings.Length - 1]).Sample((b, e) => Check(b, Encodings[e]), iter: 500, threads: 1);
        // A body valid in one encoding, sent to a job in another, is refused too.
        for (int a = 0; a < Encodings.Length; a++)
        for (int b = 0; b < Encodings.Length; b++)
            if (a != b) Assert.Throws<UploadRejectedException>(() => UploadDecoder.Decode(valid[a], Task, Template, 10, "w-1", Encodings[b]));
    }
}
