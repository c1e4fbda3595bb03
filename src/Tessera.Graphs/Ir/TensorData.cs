using System.Runtime.InteropServices;

namespace Tessera.Graphs;

/// <summary>A constant tensor (initializer or Constant attribute): element type, shape and raw little-endian bytes.</summary>
public sealed class TensorData
{
    public DType Type { get; }
    public long[] Shape { get; }
    public byte[] Bytes { get; }

    public TensorData(DType type, long[] shape, byte[] bytes)
    {
        long n = Shapes.Numel(shape);
        if (bytes.LongLength != n * type.SizeInBytes())
            throw new ArgumentException($"tensor of {type} {Shapes.Format(shape)} needs {n * type.SizeInBytes()} bytes, got {bytes.Length}");
        Type = type;
        Shape = shape;
        Bytes = bytes;
    }

    public long ElementCount => Shapes.Numel(Shape);

    public static TensorData FromFloats(long[] shape, ReadOnlySpan<float> values) =>
        new(DType.Float, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData FromLongs(long[] shape, ReadOnlySpan<long> values) =>
        new(DType.Int64, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData FromBools(long[] shape, ReadOnlySpan<bool> values) =>
        new(DType.Bool, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData Scalar(float v) => FromFloats([], [v]);
    public static TensorData Scalar(long v) => FromLongs([], [v]);
    public static TensorData Vector(params long[] v) => FromLongs([v.Length], v);

    public float[] ToFloats() => Type == DType.Float
        ? MemoryMarshal.Cast<byte, float>(Bytes).ToArray()
        : throw new InvalidOperationException($"tensor is {Type}, not Float");

    public long[] ToLongs() => Type switch
    {
        DType.Int64 => MemoryMarshal.Cast<byte, long>(Bytes).ToArray(),
        DType.Int32 => MemoryMarshal.Cast<byte, int>(Bytes).ToArray().Select(v => (long)v).ToArray(),
        _ => throw new InvalidOperationException($"tensor is {Type}, not an integer type"),
    };

    public ReadOnlySpan<float> FloatSpan => MemoryMarshal.Cast<byte, float>(Bytes);
}
