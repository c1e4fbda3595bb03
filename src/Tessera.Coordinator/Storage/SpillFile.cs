using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Storage;

/// <summary>Who sent the i-th update of a spill file and its aggregation weight (travels in the node's partial, not in the file).</summary>
public sealed record SpillEntry(string ClientId, double Weight);

/// <summary>
/// Appends a round's accepted updates, raw F32 one after another, to a node's spill file (DESIGN §8: stages that
/// need the cohort buffer it on disk, never in the managed heap), and each update's client and weight to the index
/// beside it (<c>.idx</c>, a line each). Data is flushed before its index line, and both before the fold is
/// reported, so the closing node, possibly another process of the cluster, reads every counted update and never a
/// torn one. After a crash the round is re-run from its start, so a spill file is never recovered, only dropped.
/// </summary>
public sealed class SpillWriter : IDisposable
{
    readonly FileStream _file;
    readonly StreamWriter _index;
    readonly List<SpillEntry> _entries = [];

    public SpillWriter(string path, int length)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        (Path, Length) = (path, length);
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _index = new StreamWriter(new FileStream(IndexOf(path), FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
    }

    public static string IndexOf(string path) => path + ".idx";

    public string Path { get; }
    public int Length { get; }
    public IReadOnlyList<SpillEntry> Entries => _entries;

    public void Append(string clientId, double weight, ReadOnlySpan<float> delta)
    {
        if (delta.Length != Length) throw new ArgumentException($"update of {clientId} has {delta.Length} values, the spill file holds {Length}", nameof(delta));
        if (clientId.Contains('\t') || clientId.Contains('\n')) throw new ArgumentException($"client id {clientId} cannot be written to a spill index", nameof(clientId));
        _file.Write(MemoryMarshal.AsBytes(delta));
        _file.Flush();
        _index.Write($"{clientId}\t{weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}\n");
        _index.Flush();
        _entries.Add(new SpillEntry(clientId, weight));
    }

    public void Dispose()
    {
        _file.Dispose();
        _index.Dispose();
    }

    /// <summary>The entries of a spill file as its index lists them: complete lines only (a line is written after its data).</summary>
    public static IReadOnlyList<SpillEntry> ReadIndex(string path)
    {
        using var stream = new FileStream(IndexOf(path), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var text = new StreamReader(stream).ReadToEnd();
        var entries = new List<SpillEntry>();
        foreach (var line in text.Split('\n')[..^1])
        {
            int tab = line.LastIndexOf('\t');
            entries.Add(new SpillEntry(line[..tab], double.Parse(line[(tab + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return entries;
    }
}

/// <summary>
/// Several nodes' spill files read as one cohort through memory maps: an update is a span over the mapped file, so
/// the managed heap holds none of the tensors and the OS pages them in as a rule reads them. Files are mapped in
/// the order given (the caller sorts them, so every close reads the cohort in the same order).
/// </summary>
public sealed unsafe class SpilledUpdateSet : IUpdateSet, IDisposable
{
    readonly List<(MemoryMappedFile File, MemoryMappedViewAccessor View, IntPtr Base)> _maps = [];
    readonly List<(int Map, long Offset, SpillEntry Entry)> _index = [];

    public SpilledUpdateSet(int length, IEnumerable<(string Path, IReadOnlyList<SpillEntry> Entries)> files)
    {
        Length = length;
        long bytes = (long)length * sizeof(float);
        try
        {
            foreach (var (path, entries) in files)
            {
                if (entries.Count == 0) continue;
                long size = new FileInfo(path).Length;
                if (size < bytes * entries.Count)
                    throw new InvalidDataException($"spill file {path} holds {size} bytes, fewer than its {entries.Count} updates of {length} values");
                var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
                var view = file.CreateViewAccessor(0, bytes * entries.Count, MemoryMappedFileAccess.Read);
                byte* start = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
                _maps.Add((file, view, (IntPtr)(start + view.PointerOffset)));
                for (int i = 0; i < entries.Count; i++) _index.Add((_maps.Count - 1, i * bytes, entries[i]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Every node's spill of one round attempt (a folder), in file-name order, as their indexes list them.</summary>
    public static SpilledUpdateSet OpenFolder(string folder, int length) =>
        new(length, Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.f32").Order(StringComparer.Ordinal).Select(p => (p, SpillWriter.ReadIndex(p))).ToList()
            : []);

    public int Count => _index.Count;
    public int Length { get; }

    public ReadOnlySpan<float> this[int index]
    {
        get
        {
            var (map, offset, _) = _index[index];
            return new ReadOnlySpan<float>((byte*)_maps[map].Base + offset, Length);
        }
    }

    public string ClientId(int index) => _index[index].Entry.ClientId;
    public double Weight(int index) => _index[index].Entry.Weight;

    public void Dispose()
    {
        foreach (var (file, view, _) in _maps)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        _maps.Clear();
    }
}
