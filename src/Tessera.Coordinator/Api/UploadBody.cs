using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Reads an upload's body within the model's limit and undoes <c>Content-Encoding: gzip</c> (a job's
/// <c>upload.compression</c>). The limit holds for the inflated bytes as well, so a small gzip bomb is refused as
/// too large rather than expanded. Throws <see cref="UploadRejectedException"/>: 413 too large, 415 another
/// Content-Encoding, 400 a body that is not gzip.
/// </summary>
internal static class UploadBody
{
    /// <returns>The update file, the bytes that crossed the wire for it, and whether they were gzipped.</returns>
    public static async Task<(byte[] Body, long WireBytes, bool Gzipped)> ReadAsync(HttpRequest req, long limit)
    {
        string encoding = req.Headers.ContentEncoding.ToString().Trim();
        bool gzip = encoding.Equals(UploadEncoding.Gzip, StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzip && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not accepted; send gzip or no Content-Encoding");
        byte[] wire;
        try { wire = await ReadRaw(req, limit); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        { throw TooLarge(limit); }
        return (gzip ? Inflate(wire, limit) : wire, wire.LongLength, gzip);
    }

    static async Task<byte[]> ReadRaw(HttpRequest req, long limit)
    {
        if (req.ContentLength is { } n and <= int.MaxValue)
        {
            var buffer = new byte[n];
            await req.Body.ReadExactlyAsync(buffer, req.HttpContext.RequestAborted);
            return buffer;
        }
        using var ms = new MemoryStream();
        await req.Body.CopyToAsync(ms, req.HttpContext.RequestAborted);
        return ms.Length > limit ? throw TooLarge(limit) : ms.ToArray();
    }

    /// <summary>The inflated file; reading stops one byte past the limit.</summary>
    internal static byte[] Inflate(byte[] wire, long limit)
    {
        using var inflated = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(wire, writable: false), CompressionMode.Decompress);
            var chunk = new byte[81920];
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                inflated.Write(chunk, 0, read);
                if (inflated.Length > limit) throw TooLarge(limit, inflated: true);
            }
        }
        catch (InvalidDataException e) { throw new UploadRejectedException(StatusCodes.Status400BadRequest, $"the body says Content-Encoding gzip but is not valid gzip: {e.Message}"); }
        return inflated.ToArray();
    }

    static UploadRejectedException TooLarge(long limit, bool inflated = false) =>
        new(StatusCodes.Status413PayloadTooLarge, $"body {(inflated ? "inflates past" : "exceeds")} the {limit}-byte limit for this model's update");
}
