using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Tessera.Federation.Privacy.SecureAggregation;

/// <summary>One mask to add into (or take out of) a vector: its AES-256-CTR key (already through HKDF) and sign.</summary>
public readonly record struct MaskTerm(byte[] Key, bool Subtract);

/// <summary>
/// The masks' PRG: AES-256-CTR keystream with the counter block starting at 16 zero bytes and counting up as one
/// 128-bit big-endian integer (WebCrypto's AES-CTR with length 128 over zero bytes), read as little-endian uint32
/// words. Sums are taken mod 2^32 here; the caller reduces mod 2^b once at the end (2^b divides 2^32, so it is the
/// same as reducing each mask).
/// </summary>
public static class MaskExpansion
{
    /// <summary>64 KiB of keystream per chunk: the chunk and its slice of the sum stay in cache while every term is folded in.</summary>
    const int ChunkWords = 1 << 14;

    /// <summary>The first <paramref name="words"/> keystream words of a key: the spec's PRG, written plainly (tests check <see cref="Apply"/> against it).</summary>
    public static uint[] Keystream(byte[] key, int words)
    {
        int blocks = (words * 4 + 15) / 16;
        var counters = new byte[blocks * 16];
        for (int b = 0; b < blocks; b++) BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan(b * 16 + 8), (ulong)b);
        using var aes = Aes.Create();
        aes.Key = key;
        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        var result = new uint[words];
        for (int i = 0; i < words; i++) result[i] = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(i * 4));
        return result;
    }

    /// <summary>Adds (or subtracts) each term's keystream into <paramref name="into"/>, mod 2^32, chunk by chunk on all cores.</summary>
    public static void Apply(uint[] into, IReadOnlyList<MaskTerm> terms)
    {
        if (terms.Count == 0 || into.Length == 0) return;
        int chunks = (into.Length + ChunkWords - 1) / ChunkWords;
        Parallel.For(0, chunks,
            () => (Aes: Aes.Create(), Counters: new byte[ChunkWords * 4], Stream: new byte[ChunkWords * 4]),
            (c, _, local) =>
            {
                int offset = c * ChunkWords, words = Math.Min(ChunkWords, into.Length - offset);
                int bytes = (words * 4 + 15) / 16 * 16;
                var counters = local.Counters.AsSpan(0, bytes);
                var stream = local.Stream.AsSpan(0, bytes);
                counters.Clear();
                long first = offset / 4; // 4 words per 16-byte block; chunks start on a block
                for (int b = 0; b < bytes / 16; b++) BinaryPrimitives.WriteUInt64BigEndian(counters[(b * 16 + 8)..], (ulong)(first + b));
                var slice = into.AsSpan(offset, words);
                foreach (var term in terms)
                {
                    local.Aes.Key = term.Key;
                    local.Aes.EncryptEcb(counters, stream, PaddingMode.None);
                    var mask = MemoryMarshal.Cast<byte, uint>(stream)[..words];
                    if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(mask, mask);
                    if (term.Subtract) TensorPrimitives.Subtract(slice, mask, slice);
                    else TensorPrimitives.Add(slice, mask, slice);
                }
                return local;
            },
            local => local.Aes.Dispose());
    }

    /// <summary>Reduces every word mod 2^b.</summary>
    public static void Reduce(Span<uint> words, int bits)
    {
        uint mask = SecureQuantizer.Mask(bits);
        if (mask != uint.MaxValue) TensorPrimitives.BitwiseAnd(words, mask, words);
    }
}
