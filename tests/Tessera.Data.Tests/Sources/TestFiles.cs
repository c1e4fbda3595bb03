using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace Tessera.Data.Tests.Sources;

/// <summary>Writers for the user formats, so tests make their inputs byte by byte as numpy and PIL would.</summary>
internal static class TestFiles
{
    /// <summary>A .npy file: magic, version, header dict padded to 64 bytes with a trailing newline, then the data.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, int major = 1, bool fortran = false)
    {
        string tuple = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {tuple}, }}";
        int prefix = major == 1 ? 10 : 12;
        int padded = (prefix + dict.Length + 1 + 63) / 64 * 64 - prefix;
        byte[] header = Encoding.ASCII.GetBytes(dict.PadRight(padded - 1) + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        var len = new byte[major == 1 ? 2 : 4];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        bytes.AddRange(len);
        bytes.AddRange(header);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    public static byte[] NpyF32(long[] shape, float[] values) =>
        Npy("<f4", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] NpyI64(long[] shape, long[] values) =>
        Npy("<i8", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>An .npz archive of the given arrays ("x" becomes the entry "x.npy").</summary>
    public static byte[] Npz(CompressionLevel level, params (string Key, byte[] Npy)[] arrays)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (key, npy) in arrays)
            {
                using var s = zip.CreateEntry(key + ".npy", level).Open();
                s.Write(npy);
            }
        return buffer.ToArray();
    }

    public static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0800 | dims.Length);
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>An image whose pixel (x, y) has the colour <paramref name="colour"/>(x, y), encoded by SkiaSharp.</summary>
    public static byte[] Image(int width, int height, Func<int, int, SKColor> colour, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, colour(x, y));
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }
}

/// <summary>A temporary folder removed at the end of a test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tessera-data").FullName;

    public string Write(string relative, byte[] bytes)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    public string Write(string relative, string text) => Write(relative, Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
