using System.Buffers.Binary;

namespace Tessera.Data.Loading;

/// <summary>A NumPy dtype string ('&lt;f4', '|u1', '&gt;i8', ...) and how to decode its elements.</summary>
internal readonly record struct ElementType(char Kind, int Size, bool BigEndian)
{
    public static ElementType Parse(string descr, string name)
    {
        if (descr.Length >= 3 && descr[0] is '<' or '>' or '|' or '=' && int.TryParse(descr.AsSpan(2), out int size))
        {
            var type = new ElementType(descr[1], size, descr[0] == '>');
            bool known = type.Kind switch
            {
                'f' => size is 2 or 4 or 8,
                'i' or 'u' => size is 1 or 2 or 4 or 8,
                'b' => size == 1,
                _ => false,
            };
            if (known) return type;
        }
        throw NpyReader.Error(name, $"dtype {MessageText.Quote(descr)} is not supported (floats f2/f4/f8, integers i1..i8/u1..u8, booleans b1)");
    }

    public NumericArray Decode(ReadOnlySpan<byte> data, int count, long[] shape, string name)
    {
        if (Kind == 'f')
        {
            var f = new float[count];
            for (int i = 0; i < count; i++) f[i] = ReadFloat(data.Slice(i * Size, Size));
            return new NumericArray(name, shape, f, null);
        }
        var n = new long[count];
        for (int i = 0; i < count; i++)
        {
            var e = data.Slice(i * Size, Size);
            n[i] = Kind == 'b' ? (e[0] != 0 ? 1 : 0) : ReadInteger(e);
            if (Kind == 'u' && Size == 8 && n[i] < 0)
                throw NpyReader.Error(name, $"element {i} is larger than a signed 64-bit integer");
        }
        return new NumericArray(name, shape, null, n);
    }

    private float ReadFloat(ReadOnlySpan<byte> e) => (Size, BigEndian) switch
    {
        (2, false) => (float)BinaryPrimitives.ReadHalfLittleEndian(e),
        (2, true) => (float)BinaryPrimitives.ReadHalfBigEndian(e),
        (4, false) => BinaryPrimitives.ReadSingleLittleEndian(e),
        (4, true) => BinaryPrimitives.ReadSingleBigEndian(e),
        (_, false) => (float)BinaryPrimitives.ReadDoubleLittleEndian(e),
        _ => (float)BinaryPrimitives.ReadDoubleBigEndian(e),
    };

    private long ReadInteger(ReadOnlySpan<byte> e)
    {
        bool signed = Kind == 'i';
        return Size switch
        {
            1 => signed ? (sbyte)e[0] : e[0],
            2 => signed
                ? (BigEndian ? BinaryPrimitives.ReadInt16BigEndian(e) : BinaryPrimitives.ReadInt16LittleEndian(e))
                : (BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(e) : BinaryPrimitives.ReadUInt16LittleEndian(e)),
            4 => signed
                ? (BigEndian ? BinaryPrimitives.ReadInt32BigEndian(e) : BinaryPrimitives.ReadInt32LittleEndian(e))
                : (BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(e) : BinaryPrimitives.ReadUInt32LittleEndian(e)),
            _ => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(e) : BinaryPrimitives.ReadInt64LittleEndian(e),
        };
    }
}
