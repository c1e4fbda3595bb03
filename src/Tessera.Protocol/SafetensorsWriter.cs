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
        WriteHeader(stream, file.Metadata, file.Tensors.Select(t => (t.Name, t.DType, t.Shape, (long)t.Data.Length)));
        foreach (var t in file.Tensors)
            stream.Write(t.Data.Span);
    }

    /// <summary>
    /// The same bytes as a file of F32 tensors laid out one after another in <paramref name="flat"/>, written straight
    /// from it: no tensor is copied (a model checkpoint is written every round).
    /// </summary>
    public static void WriteF32(Stream stream, IReadOnlyList<(string Name, long[] Shape)> layout, ReadOnlySpan<float> flat, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long total = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in layout)
        {
            if (!names.Add(name)) throw new ArgumentException($"duplicate tensor name '{name}'", nameof(layout));
            total += shape.Aggregate(1L, (n, d) => d < 0 ? throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(layout)) : n * d);
        }
        if (total != flat.Length) throw new ArgumentException($"the layout holds {total} values; {flat.Length} were given", nameof(flat));
        WriteHeader(stream, metadata, layout.Select(t => (t.Name, SafetensorsDType.F32, (IReadOnlyList<long>)t.Shape, 4 * t.Shape.Aggregate(1L, (n, d) => n * d))));
        if (BitConverter.IsLittleEndian) stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(flat));
        else
            foreach (var (name, shape) in layout)
            {
                int n = (int)shape.Aggregate(1L, (a, d) => a * d);
                stream.Write(NamedTensor.FromFloats(name, shape, flat[..n]).Data.Span);
                flat = flat[n..];
            }
    }

    private static void WriteHeader(Stream stream, IReadOnlyDictionary<string, string> metadata, IEnumerable<(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long Bytes)> tensors)
    {
        byte[] header = BuildHeader(metadata, tensors);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
    }

    private static byte[] BuildHeader(IReadOnlyDictionary<string, string> metadata, IEnumerable<(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long Bytes)> tensors)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            w.WriteStartObject();
            if (metadata.Count > 0)
            {
                w.WriteStartObject(SafetensorsFile.MetadataKey);
                foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
                    w.WriteString(key, metadata[key]);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.ToHeaderName());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += t.Bytes;
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
