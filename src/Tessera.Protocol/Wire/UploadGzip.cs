using System.IO.Compression;

namespace Tessera.Protocol.Wire;

/// <summary>
/// The gzip of an update file that a worker sends under <c>upload.compression: gzip</c>, at one fixed level so the
/// simulator's byte counts are the workers' (a browser's CompressionStream may differ by a few bytes).
/// </summary>
public static class UploadGzip
{
    public static byte[] Compress(ReadOnlySpan<byte> file)
    {
        using var output = new MemoryStream(file.Length / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(file);
        return output.ToArray();
    }
}
