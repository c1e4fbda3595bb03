using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tessera.Protocol;

/// <summary>Serializes a <see cref="SafetensorsFile"/>; output depends only on the input (no clocks, no hashing order).</summary>
internal static class SafetensorsWriter
{
    // Relaxed escaping leaves non-ASCII names as UTF-8, as the Rust reference writer does; the header is never HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    public static void Write(SafetensorsFile file, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = BuildHeader(file);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var t in file.Tensors)
            stream.Write(t.Data.Span);
    }

    private static byte[] BuildHeader(SafetensorsFile file)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            w.WriteStartObject();
            if (file.Metadata.Count > 0)
            {
                w.WriteStartObject(SafetensorsFile.MetadataKey);
                foreach (var key in file.Metadata.Keys.Order(StringComparer.Ordinal))
                    w.WriteString(key, file.Metadata[key]);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in file.Tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToHeaderName());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += t.Data.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the format recommends.
        int padded = (int)((ms.Length + 7) / 8 * 8);
        while (ms.Length < padded) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }
}
