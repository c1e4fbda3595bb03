using System.Buffers.Binary;

namespace Tessera.Data.Loading;

/// <summary>
/// Reads IDX files: a big-endian magic (0x0000, element type 0x08 = unsigned byte, dimension count), one
/// big-endian u32 per dimension, then the bytes.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;
    public const int MaxRank = 8;

    /// <summary>Reads an unsigned-byte IDX file and checks its magic and that the byte count matches the dims.</summary>
    public static (int[] Dims, byte[] Data) Read(byte[] file, int expectedMagic, string name)
    {
        if (file.Length < 4)
            throw new IdxFormatException($"{name}: {file.Length} bytes is too short for an IDX header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(file);
        if (magic != expectedMagic)
            throw new IdxFormatException($"{name}: magic 0x{magic:X8}, expected 0x{expectedMagic:X8}");
        return Read(file, name);
    }

    /// <summary>Reads an unsigned-byte IDX file of any rank (1 to <see cref="MaxRank"/>).</summary>
    public static (int[] Dims, byte[] Data) Read(byte[] file, string name)
    {
        if (file.Length < 4)
            throw new IdxFormatException($"{name}: {file.Length} bytes is too short for an IDX header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(file);
        int rank = magic & 0xFF;
        if ((magic >> 8) != 0x08)
            throw new IdxFormatException(
                $"{name}: magic 0x{magic:X8} is not an unsigned-byte IDX file (0x000008NN); other element types are not supported");
        if (rank is < 1 or > MaxRank)
            throw new IdxFormatException($"{name}: {rank} dimensions; IDX files here have 1 to {MaxRank}");
        int headerLength = 4 + 4 * rank;
        if (file.Length < headerLength)
            throw new IdxFormatException($"{name}: {file.Length} bytes is too short for a {rank}-dimension IDX header");
        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(4 + 4 * d));
            if (dim > int.MaxValue)
                throw new IdxFormatException($"{name}: dimension {d} is {dim}, too large");
            dims[d] = (int)dim;
            count = Math.Min(count * dim, long.MaxValue / int.MaxValue);
        }
        if (file.Length - headerLength != count)
            throw new IdxFormatException(
                $"{name}: dimensions [{string.Join(",", dims)}] need {count} data bytes but the file has {file.Length - headerLength}");
        return (dims, file[headerLength..]);
    }
}
