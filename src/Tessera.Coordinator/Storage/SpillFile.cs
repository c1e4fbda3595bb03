using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Storage;

/// <summary>Who sent the i-th update of a spill file and its aggregation weight (travels in the node's partial, not in the file).</summary>
public sealed record SpillEntry(string ClientId, double Weight);

/// <summary>
/// Appends a round's accepted updates, raw F32 one after another, to a node's spill file (DESIGN §8: stages that
/// need the cohort buffer it on disk, never in the managed heap). Each append is flushed to the OS before the fold
/// is reported, so the closing node, possibly another process of the cluster, reads every counted update. After a
/// crash the round is re-run from its start, so a spill file is never recovered, only dropped.
/// </summary>
public sealed class SpillWriter : IDisposable
{
    readonly FileStream _file;
    readonly List<SpillEntry> _entries = [];

    public SpillWriter(string path, int length)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        (Path, Length) = (path, length);
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }
    public int Length { get; }
    public IReadOnlyList<SpillEntry> Entries => _entries;

    public void Append(string clientId, double weight, ReadOnlySpan<float> delta)
    {
        if (delta.Length != Length) throw new ArgumentException($"update of {clientId} has {delta.Length} values, the spill file holds {Length}", nameof(delta));
        _file.Write(MemoryMarshal.AsBytes(delta));
        _file.Flush();
        _entries.Add(new SpillEntry(clientId, weight));
    }

    public void Dispose() => _file.Dispose();
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
                var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
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
