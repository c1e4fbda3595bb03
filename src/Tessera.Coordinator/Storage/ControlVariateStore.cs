using System.Text.Json;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Protocol = Tessera.Protocol;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// SCAFFOLD's per-worker control variates c_i, one file per worker and round under the blob folder. Volunteers
/// come and go, so c_i lives at the coordinator, not the worker. An upload writes the worker's new c_i for its
/// round before its update is folded; the round's close writes the list of workers it counted next to the
/// checkpoint, before the checkpoint and the database commit. A c_i file is valid only when its round is
/// committed (round ≤ the job's recorded version) and that list names the worker, so after a kill -9 the
/// files of an interrupted round are ignored (never applied) and those of a completed round are kept (never lost).
/// Under secure aggregation the coordinator never sees Δc_i: the worker keeps c_i and asks the same list whether its
/// round counted it (<see cref="WasCounted"/>).
/// </summary>
public sealed class ControlVariateStore(BlobStore blobs)
{
    string WorkerDir(string job, string worker) => Path.Combine(blobs.Root, "controls", job, BlobStore.Safe(worker));
    string ClientPath(string job, string worker, int round) => Path.Combine(WorkerDir(job, worker), $"r{round}.safetensors");
    public string CountedPath(string job, int round) => Path.Combine(blobs.Root, "checkpoints", job, $"v{round}.controls.json");

    /// <summary>The worker's c_i as of <paramref name="version"/> (zeros if it never contributed), flat in parameter order.</summary>
    public float[] Load(string job, string worker, long version, ParameterSet template) => LoadCommitted(job, worker, version, template).Values;

    /// <summary>The c_i and the committed round it comes from (0: none).</summary>
    (float[] Values, int Round) LoadCommitted(string job, string worker, long version, ParameterSet template)
    {
        foreach (int r in Rounds(job, worker).Where(r => r <= version).OrderDescending())
            if (Counted(job, r).Contains(worker) && TryRead(ClientPath(job, worker, r)) is { } bytes)
            {
                var file = SafetensorsFile.Read(bytes);
                return (template.Tensors.SelectMany(t => file.GetFloats(t.Name)).ToArray(), r);
            }
        return (new float[template.Count], 0);
    }

    /// <summary>Null when the file went (pruned by a newer upload of the same worker after it was listed).</summary>
    static byte[]? TryRead(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
    }

    IEnumerable<int> Rounds(string job, string worker)
    {
        var dir = WorkerDir(job, worker);
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "r*.safetensors")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[1..], out var r) ? r : -1).Where(r => r > 0).ToList();
    }

    /// <summary>Writes the worker's c_i after <paramref name="round"/>; valid only once that round commits with the worker counted.</summary>
    public void Put(string job, string worker, int round, ParameterSet template, float[] values)
    {
        var file = new SafetensorsFile(template.WithValues(values).Tensors.Select(t => Protocol.NamedTensor.FromFloats(t.Name, t.Shape, t.Values)),
            new Dictionary<string, string> { ["round"] = round.ToString(System.Globalization.CultureInfo.InvariantCulture), ["worker"] = worker });
        BlobStore.WriteAtomic(ClientPath(job, worker, round), file.ToBytes());
    }

    /// <summary>
    /// c_i⁺ = c_i (as of the task's version) + Δc_i, written for the round the upload belongs to. Files older than the
    /// committed one it started from can never be read again (a committed round stays committed), so they go.
    /// </summary>
    public void Advance(string job, string worker, long version, int round, ParameterSet template, float[] controlDelta)
    {
        var (next, from) = LoadCommitted(job, worker, version, template);
        System.Numerics.Tensors.TensorPrimitives.Add(next, controlDelta, next);
        Put(job, worker, round, template, next);
        foreach (int r in Rounds(job, worker).Where(r => r < from)) File.Delete(ClientPath(job, worker, r));
    }

    /// <summary>At round close, before the checkpoint: the workers whose c_i the round counted.</summary>
    public void PutCounted(string job, int round, IEnumerable<string> workers) =>
        BlobStore.WriteAtomic(CountedPath(job, round), JsonSerializer.SerializeToUtf8Bytes(workers.Order(StringComparer.Ordinal).ToArray()));

    /// <summary>Whether committed round <paramref name="round"/> counted the worker (secure rounds: the worker then keeps its own c_i).</summary>
    public bool WasCounted(string job, int round, string worker) => Counted(job, round).Contains(worker);

    HashSet<string> Counted(string job, int round)
    {
        var path = CountedPath(job, round);
        return File.Exists(path) ? new HashSet<string>(JsonSerializer.Deserialize<string[]>(File.ReadAllBytes(path)) ?? [], StringComparer.Ordinal) : [];
    }
}
