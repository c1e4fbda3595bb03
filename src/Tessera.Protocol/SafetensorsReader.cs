using System.Buffers.Binary;
using System.Text.Json;

namespace Tessera.Protocol;

/// <summary>
/// Parses safetensors bytes from an untrusted source. Every header field is checked before any data is
/// touched, and each failure names the tensor or field at fault.
/// </summary>
internal static class SafetensorsReader
{
    private sealed record Entry(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End);

    public static SafetensorsFile Read(ReadOnlySpan<byte> bytes)
    {
        long headerLength = ReadHeaderLength(bytes.Length >= 8 ? bytes[..8] : bytes, bytes.Length - 8L);
        var header = bytes.Slice(8, (int)headerLength);
        var (entries, metadata) = ParseHeader(header);
        var data = bytes[(8 + (int)headerLength)..];
        ValidateLayout(entries, data.Length);
        return Materialize(entries, metadata, data);
    }

    public static SafetensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        long headerLength = ReadHeaderLength(prefix.AsSpan(0, got), available: null);
        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            throw new SafetensorsFormatException($"truncated: header declares {headerLength} bytes but the stream ended early");
        var (entries, metadata) = ParseHeader(header);
        // The data section's size is implied by the header; only that much is consumed from the stream.
        long dataLength = entries.Count == 0 ? 0 : entries.Max(e => e.End);
        if (dataLength > Array.MaxLength)
            throw new SafetensorsFormatException($"data section of {dataLength} bytes is too large to load");
        var data = new byte[dataLength];
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length)
            throw new SafetensorsFormatException($"truncated: tensors need {dataLength} data bytes but the stream ended early");
        ValidateLayout(entries, data.Length);
        return Materialize(entries, metadata, data);
    }

    /// <param name="available">bytes after the 8-byte prefix, when known.</param>
    private static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long? available)
    {
        if (prefix.Length < 8)
            throw new SafetensorsFormatException($"truncated: {prefix.Length} bytes is shorter than the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > SafetensorsFile.MaxHeaderBytes)
            throw new SafetensorsFormatException($"header length {n} exceeds the {SafetensorsFile.MaxHeaderBytes}-byte limit");
        if (available is long a && (long)n > a)
            throw new SafetensorsFormatException($"header length {n} is larger than the {a} bytes that follow it");
        return (long)n;
    }

    private static (List<Entry>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header)
    {
        // System.Text.Json validates UTF-8 in names and strings lazily, when they are read, and says so with an
        // InvalidOperationException: bytes from a stranger must still end in a format error, never a 500.
        try { return ParseHeaderJson(header); }
        catch (InvalidOperationException ex) { throw new SafetensorsFormatException($"header: invalid UTF-8 ({ex.Message})", ex); }
    }

    private static (List<Entry>, Dictionary<string, string>) ParseHeaderJson(ReadOnlySpan<byte> header)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
            doc = JsonDocument.ParseValue(ref reader);
            // Anything after the JSON value other than padding spaces is junk.
            if (reader.BytesConsumed < header.Length)
                foreach (byte b in header[(int)reader.BytesConsumed..])
                    if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\n' && b != (byte)'\r')
                        throw new SafetensorsFormatException("header: unexpected bytes after the JSON object");
        }
        catch (JsonException ex)
        {
            throw new SafetensorsFormatException($"header: invalid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException($"header: expected a JSON object, found {root.ValueKind}");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in root.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new SafetensorsFormatException($"header: duplicate key '{prop.Name}'");
                if (prop.Name == SafetensorsFile.MetadataKey)
                    ReadMetadata(prop.Value, metadata);
                else
                    entries.Add(ReadEntry(prop.Name, prop.Value));
            }
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return;
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"{SafetensorsFile.MetadataKey}: expected an object, found {value.ValueKind}");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException($"{SafetensorsFile.MetadataKey}.{p.Name}: expected a string value, found {p.Value.ValueKind}");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw new SafetensorsFormatException($"{SafetensorsFile.MetadataKey}: duplicate key '{p.Name}'");
        }
    }

    private static Entry ReadEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException($"tensor '{name}': expected an object, found {value.ValueKind}");
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var p in value.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype" when dtypeName is null:
                    if (p.Value.ValueKind != JsonValueKind.String)
                        throw new SafetensorsFormatException($"tensor '{name}'.dtype: expected a string, found {p.Value.ValueKind}");
                    dtypeName = p.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadNonNegativeIntegers(p.Value, name, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNonNegativeIntegers(p.Value, name, "data_offsets");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafetensorsFormatException($"tensor '{name}'.{p.Name}: given twice");
                default:
                    throw new SafetensorsFormatException($"tensor '{name}': unknown field '{p.Name}'");
            }
        }
        if (dtypeName is null) throw new SafetensorsFormatException($"tensor '{name}': missing field 'dtype'");
        if (shape is null) throw new SafetensorsFormatException($"tensor '{name}': missing field 'shape'");
        if (offsets is null) throw new SafetensorsFormatException($"tensor '{name}': missing field 'data_offsets'");
        if (!SafetensorsDTypes.TryParseHeaderName(dtypeName, out var dtype))
            throw new SafetensorsFormatException($"tensor '{name}'.dtype: unknown dtype '{dtypeName}'");
        if (offsets.Length != 2)
            throw new SafetensorsFormatException($"tensor '{name}'.data_offsets: expected [begin, end], found {offsets.Length} numbers");
        if (offsets[1] < offsets[0])
            throw new SafetensorsFormatException($"tensor '{name}'.data_offsets: end {offsets[1]} is before begin {offsets[0]}");

        long expected;
        try
        {
            expected = checked(NamedTensor.ElementCount(shape, name) * dtype.SizeOf());
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException($"tensor '{name}'.shape: element count overflows");
        }
        long actual = offsets[1] - offsets[0];
        if (actual != expected)
            throw new SafetensorsFormatException(
                $"tensor '{name}'.data_offsets: spans {actual} bytes but shape [{string.Join(",", shape)}] of {dtypeName} needs {expected}");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadNonNegativeIntegers(JsonElement value, string tensor, string field)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException($"tensor '{tensor}'.{field}: expected an array, found {value.ValueKind}");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v))
                throw new SafetensorsFormatException($"tensor '{tensor}'.{field}[{i}]: expected an integer, found {item.GetRawText()}");
            if (v < 0)
                throw new SafetensorsFormatException($"tensor '{tensor}'.{field}[{i}]: negative value {v}");
            result[i++] = v;
        }
        return result;
    }

    /// <summary>Tensors must tile the data section exactly: no gaps, no overlaps, nothing outside it.</summary>
    private static void ValidateLayout(List<Entry> entries, long dataLength)
    {
        foreach (var e in entries)
            if (e.End > dataLength)
                throw new SafetensorsFormatException(
                    $"tensor '{e.Name}'.data_offsets: end {e.End} is outside the {dataLength}-byte data section");
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long cursor = 0;
        Entry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < cursor)
                throw new SafetensorsFormatException(
                    $"tensor '{e.Name}'.data_offsets: [{e.Begin}, {e.End}] overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (e.Begin > cursor)
                throw new SafetensorsFormatException(
                    $"tensor '{e.Name}'.data_offsets: gap of {e.Begin - cursor} bytes before begin {e.Begin}");
            cursor = e.End;
            previous = e;
        }
        if (cursor != dataLength)
            throw new SafetensorsFormatException($"data section: {dataLength - cursor} trailing bytes not covered by any tensor");
    }

    private static SafetensorsFile Materialize(List<Entry> entries, Dictionary<string, string> metadata, ReadOnlySpan<byte> data)
    {
        // Copy out of the caller's buffer so the result never aliases memory it may reuse.
        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var e in entries)
            tensors.Add(new NamedTensor(e.Name, e.DType, e.Shape, data[(int)e.Begin..(int)e.End].ToArray()));
        return new SafetensorsFile(tensors, metadata);
    }
}
