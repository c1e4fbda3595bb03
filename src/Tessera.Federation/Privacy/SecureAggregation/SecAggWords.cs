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

    /// <summary>
    /// Adds <paramref name="words"/> into <paramref name="sum"/> (mod 2^32) in one pass, checking on the way that each
    /// is below 2^<paramref name="bits"/>; when one is not, takes the input back out and returns false, so a refused
    /// input leaves the sum as it was. One pass instead of a check and then a sum: the server's cost per input is
    /// then that of a plain sum.
    /// </summary>
    public static bool TryAdd(Span<uint> sum, ReadOnlySpan<uint> words, int bits)
    {
        if (sum.Length != words.Length) throw new ArgumentException($"{words.Length} words into a sum of {sum.Length}", nameof(words));
        uint high = ~SecureQuantizer.Mask(bits), seen = 0;
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var sums = MemoryMarshal.Cast<uint, System.Numerics.Vector<uint>>(sum);
            var ins = MemoryMarshal.Cast<uint, System.Numerics.Vector<uint>>(words);
            var any = System.Numerics.Vector<uint>.Zero;
            for (int v = 0; v < sums.Length; v++)
            {
                sums[v] += ins[v];
                any |= ins[v];
            }
            for (int l = 0; l < System.Numerics.Vector<uint>.Count; l++) seen |= any[l];
            i = sums.Length * System.Numerics.Vector<uint>.Count;
        }
        for (; i < sum.Length; i++)
        {
            sum[i] += words[i];
            seen |= words[i];
        }
        if ((seen & high) == 0) return true;
        System.Numerics.Tensors.TensorPrimitives.Subtract(sum, words, sum);
        return false;
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
