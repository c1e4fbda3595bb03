namespace Tessera.Protocol;

/// <summary>
/// An ordered set of named tensors plus string metadata: the in-memory form of a safetensors file.
/// Tensor order is kept as given, so writing is deterministic.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The reserved header key holding string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Largest header we accept when reading; the reference implementation uses the same bound.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly Dictionary<string, NamedTensor> _byName;

    public IReadOnlyList<NamedTensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public SafetensorsFile(IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        _byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in list)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (!_byName.TryAdd(t.Name, t))
                throw new ArgumentException($"duplicate tensor name '{t.Name}'", nameof(tensors));
        }
        Tensors = list.AsReadOnly();
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    public NamedTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor named '{name}'");

    public bool TryGet(string name, out NamedTensor tensor) => _byName.TryGetValue(name, out tensor!);

    public float[] GetFloats(string name) => this[name].ToFloatArray();

    public long[] GetInt64s(string name) => this[name].ToInt64Array();

    public void Write(Stream stream) => SafetensorsWriter.Write(this, stream);

    /// <summary>
    /// Writes F32 tensors laid out one after another in <paramref name="flat"/> (a model's flat weights) as the file
    /// <c>new SafetensorsFile(...).Write</c> would, without copying them first.
    /// </summary>
    public static void WriteF32(Stream stream, IReadOnlyList<(string Name, long[] Shape)> layout, ReadOnlySpan<float> flat, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsWriter.WriteF32(stream, layout, flat, metadata ?? new Dictionary<string, string>());

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        Write(ms);
        return ms.ToArray();
    }

    /// <summary>Parses and validates a complete file held in memory; trailing bytes are an error.</summary>
    public static SafetensorsFile Read(ReadOnlySpan<byte> bytes) => SafetensorsReader.Read(bytes);

    /// <summary>Reads one file from the stream, consuming exactly the bytes its header declares.</summary>
    public static SafetensorsFile Read(Stream stream) => SafetensorsReader.Read(stream);
}
