using System.Buffers;
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
    /// <returns>
    /// The update file (dispose it when the request is done: a body of declared length is read into a pooled buffer,
    /// so a CNN-sized upload is not a fresh large-object allocation each time), the bytes that crossed the wire for
    /// it, and whether they were gzipped.
    /// </returns>
    public static async Task<(PooledBytes Body, long WireBytes, bool Gzipped)> ReadAsync(HttpRequest req, long limit)
    {
        string encoding = req.Headers.ContentEncoding.ToString().Trim();
        bool gzip = encoding.Equals(UploadEncoding.Gzip, StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzip && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not accepted; send gzip or no Content-Encoding");
        PooledBytes wire;
        try { wire = await ReadRaw(req, limit); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        { throw TooLarge(limit); }
        if (!gzip) return (wire, wire.Length, false);
        using (wire) return (new PooledBytes(Inflate(wire, limit)), wire.Length, true);
    }

    static async Task<PooledBytes> ReadRaw(HttpRequest req, long limit)
    {
        if (req.ContentLength is { } n and <= int.MaxValue)
        {
            var buffer = PooledBytes.Rent((int)n);
            try { await req.Body.ReadExactlyAsync(buffer.Writable, req.HttpContext.RequestAborted); }
            catch { buffer.Dispose(); throw; }
            return buffer;
        }
        using var ms = new MemoryStream();
        await req.Body.CopyToAsync(ms, req.HttpContext.RequestAborted);
        return ms.Length > limit ? throw TooLarge(limit) : new PooledBytes(ms.ToArray());
    }

    /// <summary>The inflated file; reading stops one byte past the limit.</summary>
    internal static byte[] Inflate(PooledBytes wire, long limit)
    {
        using var inflated = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(wire.AsStream(), CompressionMode.Decompress);
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

/// <summary>
/// An upload's bytes, from <see cref="ArrayPool{T}.Shared"/> or a plain array. The rented array may be longer than
/// the body; only <see cref="Memory"/> is the body. Disposing returns a rented array, so nothing may keep the memory.
/// </summary>
internal sealed class PooledBytes(byte[] array, int length, bool rented) : IDisposable
{
    byte[]? _array = array;

    public PooledBytes(byte[] bytes) : this(bytes, bytes.Length, rented: false) { }

    public static PooledBytes Rent(int length) => new(ArrayPool<byte>.Shared.Rent(length), length, rented: true);

    public int Length { get; } = length;
    public ReadOnlyMemory<byte> Memory => new(Array, 0, Length);
    internal Memory<byte> Writable => new(Array, 0, Length);
    /// <summary>The body as a read-only stream over the same array (the gzip inflater's input), with no copy.</summary>
    public Stream AsStream() => new MemoryStream(Array, 0, Length, writable: false);

    byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBytes));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } a && rented) ArrayPool<byte>.Shared.Return(a);
    }
}
