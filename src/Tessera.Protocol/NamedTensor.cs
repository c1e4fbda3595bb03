using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Tessera.Protocol;

/// <summary>One tensor of a safetensors file: a name, an element type, a shape and raw little-endian bytes.</summary>
public sealed class NamedTensor
{
    public string Name { get; }
    public SafetensorsDType DType { get; }
    /// <summary>Dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }
    /// <summary>Raw little-endian element bytes, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public NamedTensor(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == SafetensorsFile.MetadataKey)
            throw new ArgumentException($"tensor name '{name}' is reserved for metadata", nameof(name));
        _ = dtype.SizeOf(); // rejects values outside the enum
        long[] dims = shape.ToArray();
        long count = ElementCount(dims, name);
        long expected = checked(count * dtype.SizeOf());
        if (data.Length != expected)
            throw new ArgumentException(
                $"tensor '{name}': {data.Length} bytes given but shape [{string.Join(",", dims)}] of {dtype.ToHeaderName()} needs {expected}",
                nameof(data));
        Name = name;
        DType = dtype;
        Shape = Array.AsReadOnly(dims);
        Data = data;
    }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount() => ElementCount(Shape, Name);

    internal static long ElementCount(IReadOnlyList<long> shape, string name)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"tensor '{name}': negative dimension {d} in shape");
            count = checked(count * d);
        }
        return count;
    }

    public static NamedTensor FromFloats(string name, long[] shape, ReadOnlySpan<float> values, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        byte[] bytes = dtype switch
        {
            SafetensorsDType.F32 => ToLittleEndianBytes(values),
            SafetensorsDType.F16 => HalfPrecision.EncodeF16(values),
            SafetensorsDType.BF16 => HalfPrecision.EncodeBF16(values),
            _ => throw new ArgumentException($"tensor '{name}': FromFloats needs F32, F16 or BF16, not {dtype}", nameof(dtype)),
        };
        return new NamedTensor(name, dtype, shape, bytes);
    }

    public static NamedTensor FromInt64s(string name, long[] shape, ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i, 8), values[i]);
        return new NamedTensor(name, SafetensorsDType.I64, shape, bytes);
    }

    public static NamedTensor FromInt32s(string name, long[] shape, ReadOnlySpan<int> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i, 4), values[i]);
        return new NamedTensor(name, SafetensorsDType.I32, shape, bytes);
    }

    public static NamedTensor FromBools(string name, long[] shape, ReadOnlySpan<bool> values)
    {
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
            bytes[i] = values[i] ? (byte)1 : (byte)0;
        return new NamedTensor(name, SafetensorsDType.BOOL, shape, bytes);
    }

    /// <summary>Elements as floats; F16 and BF16 are widened, integer types converted.</summary>
    public float[] ToFloatArray()
    {
        ReadOnlySpan<byte> d = Data.Span;
        switch (DType)
        {
            case SafetensorsDType.F32:
                // The wire is little-endian: on such a host it is one block copy (a model's weights are megabytes).
                if (BitConverter.IsLittleEndian) return MemoryMarshal.Cast<byte, float>(d).ToArray();
                var f = new float[d.Length / 4];
                for (int i = 0; i < f.Length; i++)
                    f[i] = BinaryPrimitives.ReadSingleLittleEndian(d.Slice(4 * i, 4));
                return f;
            case SafetensorsDType.F16: return HalfPrecision.DecodeF16(d);
            case SafetensorsDType.BF16: return HalfPrecision.DecodeBF16(d);
            default:
                return Array.ConvertAll(ToInt64Array(), v => (float)v);
        }
    }

    /// <summary>Elements as longs; only integer and BOOL types (floats would silently truncate).</summary>
    public long[] ToInt64Array()
    {
        ReadOnlySpan<byte> d = Data.Span;
        var r = new long[checked((int)ElementCount())];
        switch (DType)
        {
            case SafetensorsDType.I64:
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt64LittleEndian(d.Slice(8 * i, 8));
                break;
            case SafetensorsDType.I32:
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadInt32LittleEndian(d.Slice(4 * i, 4));
                break;
            case SafetensorsDType.I8:
                for (int i = 0; i < r.Length; i++) r[i] = (sbyte)d[i];
                break;
            case SafetensorsDType.U8:
            case SafetensorsDType.BOOL:
                for (int i = 0; i < r.Length; i++) r[i] = d[i];
                break;
            default:
                throw new InvalidOperationException($"tensor '{Name}' is {DType.ToHeaderName()}, not an integer type");
        }
        return r;
    }

    private static byte[] ToLittleEndianBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        else
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i, 4), values[i]);
        return bytes;
    }
}
