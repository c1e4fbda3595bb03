using CsCheck;
using Tessera.Protocol;

namespace Tessera.Protocol.Tests;

public class SafetensorsRoundTripTests
{
    [Fact]
    public void EveryDTypeRoundTripsBytesShapeAndOrder()
    {
        var rng = new Random(7);
        var tensors = new List<NamedTensor>();
        foreach (var dtype in Enum.GetValues<SafetensorsDType>())
        {
            long[] shape = [2, 3];
            var bytes = new byte[6 * dtype.SizeOf()];
            rng.NextBytes(bytes);
            if (dtype == SafetensorsDType.BOOL)
                for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
            tensors.Add(new NamedTensor($"t_{dtype}", dtype, shape, bytes));
        }
        var file = new SafetensorsFile(tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var back = SafetensorsFile.Read(file.ToBytes());

        Assert.Equal(tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
        foreach (var t in tensors)
        {
            var r = back[t.Name];
            Assert.Equal(t.DType, r.DType);
            Assert.Equal(t.Shape, r.Shape);
            Assert.Equal(t.Data.ToArray(), r.Data.ToArray());
        }
        Assert.Equal("pt", back.Metadata["format"]);
    }

    [Fact]
    public void FloatAndIntegerAccessorsRecoverValues()
    {
        float[] values = [1.5f, -2.25f, 0f, 1e-3f];
        var file = new SafetensorsFile([
            NamedTensor.FromFloats("f32", [4], values),
            NamedTensor.FromFloats("f16", [2, 2], values, SafetensorsDType.F16),
            NamedTensor.FromFloats("bf16", [4], values, SafetensorsDType.BF16),
            NamedTensor.FromInt64s("i64", [3], [long.MinValue, 0, long.MaxValue]),
            NamedTensor.FromInt32s("i32", [2], [-5, 7]),
            NamedTensor.FromBools("b", [3], [true, false, true]),
            new NamedTensor("i8", SafetensorsDType.I8, [2], new byte[] { 0xFF, 0x05 }),
            new NamedTensor("u8", SafetensorsDType.U8, [2], new byte[] { 0xFF, 0x05 }),
        ]);

        var back = SafetensorsFile.Read(file.ToBytes());

        Assert.Equal(values, back.GetFloats("f32"));
        var f16 = back.GetFloats("f16");
        var bf16 = back.GetFloats("bf16");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], f16[i], Math.Abs(values[i]) * 1e-3f + 1e-6f);
            Assert.Equal(values[i], bf16[i], Math.Abs(values[i]) * 1e-2f + 1e-6f);
        }
        Assert.Equal([long.MinValue, 0, long.MaxValue], back.GetInt64s("i64"));
        Assert.Equal([-5L, 7], back.GetInt64s("i32"));
        Assert.Equal([1L, 0, 1], back.GetInt64s("b"));
        Assert.Equal([-1L, 5], back.GetInt64s("i8"));
        Assert.Equal([255L, 5], back.GetInt64s("u8"));
        Assert.Throws<InvalidOperationException>(() => back.GetInt64s("f32"));
    }

    [Fact]
    public void ScalarAndEmptyTensorsRoundTrip()
    {
        var file = new SafetensorsFile([
            NamedTensor.FromFloats("scalar", [], [3f]),
            NamedTensor.FromFloats("empty", [0, 4], []),
            NamedTensor.FromInt64s("after", [1], [9]),
        ]);
        var back = SafetensorsFile.Read(file.ToBytes());
        Assert.Empty(back["scalar"].Shape);
        Assert.Equal([3f], back.GetFloats("scalar"));
        Assert.Equal([0L, 4], back["empty"].Shape);
        Assert.Equal([9L], back.GetInt64s("after"));
    }

    [Fact]
    public void WritingIsByteDeterministicAndSortsMetadataKeys()
    {
        SafetensorsFile Make(IEnumerable<KeyValuePair<string, string>> meta) => new(
            [NamedTensor.FromFloats("w", [2], [1f, 2f]), NamedTensor.FromInt64s("b", [1], [3])],
            new Dictionary<string, string>(meta));
        var a = Make([new("zeta", "1"), new("alpha", "2")]).ToBytes();
        var b = Make([new("alpha", "2"), new("zeta", "1")]).ToBytes();

        Assert.Equal(a, b);
        var header = System.Text.Encoding.UTF8.GetString(a, 8, (int)BitConverter.ToUInt64(a, 0));
        Assert.True(header.IndexOf("alpha", StringComparison.Ordinal) < header.IndexOf("zeta", StringComparison.Ordinal));
        // Tensors keep the given order, not alphabetical.
        Assert.True(header.IndexOf("\"w\"", StringComparison.Ordinal) < header.IndexOf("\"b\"", StringComparison.Ordinal));
        Assert.Equal(0UL, BitConverter.ToUInt64(a, 0) % 8);
    }

    [Fact]
    public void StreamReadConsumesExactlyOneFile()
    {
        var first = new SafetensorsFile([NamedTensor.FromFloats("a", [1], [1f])]).ToBytes();
        var second = new SafetensorsFile([NamedTensor.FromFloats("b", [1], [2f])]).ToBytes();
        using var ms = new MemoryStream([.. first, .. second]);

        Assert.Equal([1f], SafetensorsFile.Read(ms).GetFloats("a"));
        Assert.Equal([2f], SafetensorsFile.Read(ms).GetFloats("b"));
    }

    [Fact]
    public void ConstructorRejectsDataOfWrongLengthAndDuplicateNames()
    {
        Assert.Throws<ArgumentException>(() => new NamedTensor("x", SafetensorsDType.F32, [3], new byte[8]));
        Assert.Throws<ArgumentException>(() => new SafetensorsFile([
            NamedTensor.FromFloats("x", [1], [1f]), NamedTensor.FromFloats("x", [1], [2f])]));
    }

    [Fact]
    public void Floats_written_straight_from_a_flat_array_are_the_bytes_the_copying_writer_makes()
    {
        // Any layout of 1–5 tensors of rank 0–3 (zero-sized dimensions included), with or without metadata.
        var shapes = Gen.Long[0, 5].Array[0, 3].Array[1, 5];
        Gen.Select(shapes, Gen.Bool).Sample((layoutShapes, withMetadata) =>
        {
            var layout = layoutShapes.Select((shape, i) => ($"layer{i}.w", shape)).ToList();
            int total = (int)layoutShapes.Sum(shape => shape.Aggregate(1L, (n, d) => n * d));
            var flat = Enumerable.Range(0, total).Select(i => i * 0.37f - 3f).ToArray();
            var metadata = withMetadata ? new Dictionary<string, string> { ["version"] = "7", ["job"] = "j" } : null;
            int at = 0;
            var copied = new SafetensorsFile(layout.Select(t =>
            {
                int n = (int)t.shape.Aggregate(1L, (a, d) => a * d);
                var tensor = NamedTensor.FromFloats(t.Item1, t.shape, flat.AsSpan(at, n));
                at += n;
                return tensor;
            }), metadata).ToBytes();
            using var streamed = new MemoryStream();
            SafetensorsFile.WriteF32(streamed, layout, flat, metadata);
            Assert.Equal(copied, streamed.ToArray());
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Floats_that_do_not_fill_the_layout_are_refused_before_a_byte_is_written()
    {
        using var stream = new MemoryStream();
        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.WriteF32(stream, [("w", [2L, 3L])], new float[5]));
        Assert.Contains("holds 6 values; 5 were given", e.Message);
        Assert.Throws<ArgumentException>(() => SafetensorsFile.WriteF32(stream, [("w", [1L]), ("w", [1L])], new float[2]));
        Assert.Equal(0, stream.Length);
    }
}
