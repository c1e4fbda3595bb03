using Tessera.Coordinator.Api;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>The worker's encoder and the coordinator's decoder agree on the wire format, and top-k keeps what it drops.</summary>
public sealed class UpdateEncodingTests
{
    static readonly ParameterSet Template = new([new("w", [30, 40], new float[1200]), new("b", [7], new float[7])]);

    static float[] Delta(int seed, int n)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1) * 0.01f).ToArray();
    }

    static float[] RoundTrip(UpdateEncoder encoder, UploadEncoding encoding, float[][] deltas)
    {
        var tensors = Template.Tensors.SelectMany((p, i) => encoder.Encode("job", encoding, p.Name, p.Shape, deltas[i])).ToList();
        var file = SafetensorsFile.Read(new SafetensorsFile(tensors, new Dictionary<string, string> { ["encoding"] = encoding.Codec }).ToBytes());
        var flat = new float[Template.Count];
        CompressedUploadDecoder.DecodeInto(file, Template, encoding, flat, "w-test");
        return flat;
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("bf16")]
    [InlineData("int8")]
    [InlineData("int8", 4)]
    public void What_the_coordinator_decodes_is_what_a_replay_audit_expects(string codec, int bits = 0)
    {
        // A replay audit recomputes the delta and passes it through UploadCodecs.AsDecoded: that must equal, bit for
        // bit, what the worker's encoder and the coordinator's decoder make of the same delta, or honest work fails audits.
        var encoding = new UploadEncoding { Codec = codec, Bits = bits };
        float[] w = Delta(5, 1200), b = Delta(6, 7);
        var expected = Federation.Codecs.UploadCodecs.AsDecoded(w.Concat(b).ToArray(), Template, encoding);
        var tensors = Template.Tensors.SelectMany((p, i) => new UpdateEncoder().Encode("job", encoding, p.Name, p.Shape, i == 0 ? w : b)).ToList();
        var file = SafetensorsFile.Read(new SafetensorsFile(tensors, new Dictionary<string, string> { ["encoding"] = codec }).ToBytes());
        var decoded = new float[Template.Count];
        if (encoding.IsHalfPrecision)
        {
            Assert.All(file.Tensors, t => Assert.Equal(UploadEncoding.DenseDType(codec), t.DType));
            Assert.Equal(2 * Template.Count, file.Tensors.Sum(t => t.Data.Length));
            decoded = DenseTensorReader.Read(file, Template, n => n, "w-test", "updates", dtype: UploadEncoding.DenseDType(codec), codec: codec);
        }
        else
        {
            CompressedUploadDecoder.DecodeInto(file, Template, encoding, decoded, "w-test");
            // Fewer bits: every code within ±(2^(bits−1) − 1), and the largest one used.
            var codes = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(file.Tensors.First(t => t.Name == "w").Data.Span).ToArray();
            Assert.Equal(UploadEncoding.MaxCode(bits), codes.Max(c => Math.Abs((int)c)));
        }
        Assert.Equal(expected, decoded);
        Assert.NotEqual(w.Concat(b).ToArray(), decoded);
    }

    [Fact]
    public void Int8_per_block_round_trip_is_within_half_a_step()
    {
        var encoding = new UploadEncoding { Codec = "int8", BlockSize = 100 };
        float[] w = Delta(1, 1200), b = Delta(2, 7);
        var expected = w.Concat(b).ToArray();
        var decoded = RoundTrip(new UpdateEncoder(), encoding, [(float[])w.Clone(), (float[])b.Clone()]);
        for (int i = 0; i < expected.Length; i++)
        {
            int block = i < 1200 ? i / 100 : 0;
            var source = i < 1200 ? w.Skip(block * 100).Take(100) : b;
            float step = source.Max(MathF.Abs) / 127;
            Assert.True(MathF.Abs(decoded[i] - expected[i]) <= step / 2 + 1e-9f, $"element {i}: {decoded[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Topk_sends_k_entries_and_error_feedback_carries_the_rest_into_the_next_round()
    {
        var encoding = new UploadEncoding { Codec = "topk", Fraction = 0.1 };
        var encoder = new UpdateEncoder();
        float[] w = Delta(3, 1200), b = Delta(4, 7);
        var first = RoundTrip(encoder, encoding, [(float[])w.Clone(), (float[])b.Clone()]);
        Assert.Equal(120 + 1, first.Count(v => v != 0));
        // The kept entries are exact and are the largest of the weight tensor.
        float smallestKept = first.Take(1200).Where(v => v != 0).Min(MathF.Abs);
        Assert.True(w.Where((v, i) => first[i] == 0).All(v => MathF.Abs(v) <= smallestKept));
        Assert.All(Enumerable.Range(0, 1200).Where(i => first[i] != 0), i => Assert.Equal(w[i], first[i]));

        // A zero delta next round still sends the largest of what was held back.
        var second = RoundTrip(encoder, encoding, [new float[1200], new float[7]]);
        Assert.Equal(120 + 1, second.Count(v => v != 0));
        Assert.All(Enumerable.Range(0, 1200).Where(i => second[i] != 0), i => Assert.Equal(w[i], second[i]));
        Assert.DoesNotContain(Enumerable.Range(0, 1200), i => first[i] != 0 && second[i] != 0);
    }
}
