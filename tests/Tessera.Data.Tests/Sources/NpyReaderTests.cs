using System.Buffers.Binary;
using Tessera.Data.Loading;
using Tessera.Data.Sources;

namespace Tessera.Data.Tests.Sources;

public class NpyReaderTests
{
    [Fact]
    public void ReadsFloat32ValuesAndShape()
    {
        var a = NpyReader.Read(TestFiles.NpyF32([2, 3], [0, 1.5f, -2, 3, 4, 5]), "a.npy");
        Assert.Equal([2L, 3], a.Shape);
        Assert.False(a.IsInteger);
        Assert.Equal([0, 1.5f, -2, 3, 4, 5], a.Floats!);
    }

    [Theory]
    [InlineData("<i8", 8)]
    [InlineData("<i4", 4)]
    [InlineData("<i2", 2)]
    [InlineData("|i1", 1)]
    [InlineData("|u1", 1)]
    [InlineData("<u1", 1)]
    [InlineData("<u2", 2)]
    [InlineData("<u4", 4)]
    public void ReadsIntegerTypesExactly(string descr, int size)
    {
        long[] values = descr[1] == 'u' ? [0, 7, 200] : [0, -3, 100];
        var data = new byte[3 * size];
        for (int i = 0; i < 3; i++)
            for (int b = 0; b < size; b++) data[i * size + b] = (byte)(values[i] >> (8 * b));
        var a = NpyReader.Read(TestFiles.Npy(descr, [3], data), "a.npy");
        Assert.Equal(values, a.Integers!);
    }

    [Fact]
    public void ReadsFloat64BigEndianBooleansAndVersionTwo()
    {
        var f8 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f8, 0.25);
        BinaryPrimitives.WriteDoubleLittleEndian(f8.AsSpan(8), -8);
        Assert.Equal([0.25f, -8], NpyReader.Read(TestFiles.Npy("<f8", [2], f8), "a").Floats!);

        var be = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(be, 5);
        BinaryPrimitives.WriteInt32BigEndian(be.AsSpan(4), -6);
        Assert.Equal([5L, -6], NpyReader.Read(TestFiles.Npy(">i4", [2], be), "a").Integers!);

        Assert.Equal([1L, 0, 1], NpyReader.Read(TestFiles.Npy("|b1", [3], [1, 0, 2]), "a").Integers!);
        Assert.Equal([1f, 2], NpyReader.Read(TestFiles.Npy("<f4", [2], [0, 0, 128, 63, 0, 0, 0, 64], major: 2), "a").Floats!);
    }

    [Fact]
    public void RefusesFortranOrderClearly()
    {
        var ex = Assert.Throws<DatasetFormatException>(() => NpyReader.Read(TestFiles.Npy("<f4", [1], new byte[4], fortran: true), "data/x.npy"));
        Assert.StartsWith("data/x.npy: fortran_order True", ex.Message);
    }

    [Theory]
    [InlineData("|O8", "dtype '|O8' is not supported")]
    [InlineData("<U5", "dtype '<U5' is not supported")]
    [InlineData("<c8", "dtype '<c8' is not supported")]
    public void RefusesUnsupportedTypes(string descr, string message)
    {
        var ex = Assert.Throws<DatasetFormatException>(() => NpyReader.Read(TestFiles.Npy(descr, [1], new byte[8]), "x.npy"));
        Assert.Equal($"x.npy: {message} (floats f2/f4/f8, integers i1..i8/u1..u8, booleans b1)", ex.Message);
    }

    [Fact]
    public void NamesTheFileWhenDataIsShortOrMagicIsWrong()
    {
        var shortData = Assert.Throws<DatasetFormatException>(() => NpyReader.Read(TestFiles.Npy("<f4", [2, 2], new byte[12]), "x.npy"));
        Assert.Equal("x.npy: shape (2, 2) of <f4 needs 16 data bytes but the file has 12", shortData.Message);
        Assert.StartsWith("x.npy: not a NumPy", Assert.Throws<DatasetFormatException>(() => NpyReader.Read("PK\x03\x04...."u8, "x.npy")).Message);
    }
}
