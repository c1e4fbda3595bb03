using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>A masked input's words on the wire: little-endian uint32, 4 bytes each.</summary>
public static class SecAggWords
{
    public static byte[] Encode(ReadOnlySpan<uint> words)
    {
        var bytes = new byte[words.Length * 4];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(words).CopyTo(bytes);
        else for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }

    public static uint[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 4 != 0) throw new ArgumentException($"{bytes.Length} bytes are not whole words", nameof(bytes));
        var words = new uint[bytes.Length / 4];
        if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(words.AsSpan()));
        else for (int i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        return words;
    }
}
