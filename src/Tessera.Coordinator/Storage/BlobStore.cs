using Tessera.Federation;
using Tessera.Graphs.Training;
using Tessera.Protocol;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// Immutable files under the data folder: artifacts by sha256, one checkpoint per job and global version
/// (the weights workers download, plus the strategy's server state), and encoded data shards. Every file is
/// written to a temporary name, flushed and renamed, so a crash never leaves a half-written blob under its name.
/// </summary>
public sealed class BlobStore(string root)
{
    public string Root { get; } = root;

    public string ArtifactPath(string sha256) => Path.Combine(Root, "artifacts", $"{sha256}.onnx");
    public string WeightsPath(string job, long version) => Path.Combine(Root, "checkpoints", job, $"v{version}.safetensors");
    public string ServerStatePath(string job, long version) => Path.Combine(Root, "checkpoints", job, $"v{version}.state.safetensors");
    public string ModelPath(string sha256) => Path.Combine(Root, "models", $"{sha256}.onnx");

    /// <summary>Keeps a user's ONNX model by the sha256 of its bytes; returns that hash (idempotent).</summary>
    public string PutModel(byte[] onnx)
    {
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx));
        var path = ModelPath(sha);
        if (!File.Exists(path)) WriteAtomic(path, onnx);
        return sha;
    }

    public byte[]? GetModel(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigit) && File.Exists(ModelPath(sha256)) ? File.ReadAllBytes(ModelPath(sha256)) : null;

    public string ShardPath(string job, int shard) => Path.Combine(Root, "shards", job, $"{shard}.safetensors");
    /// <summary>An upload held while other workers re-run its task (replay: workers); never counted until they agree.</summary>
    public string HeldUpdatePath(string job, string task) => Path.Combine(Root, "held", job, $"{task}.safetensors");
    /// <summary>
    /// One node's spill file of a round attempt whose aggregator needs the cohort (robust aggregation): its accepted
    /// updates, raw, read back through a memory map at close (<see cref="SpilledUpdateSet"/>).
    /// </summary>
    public string SpillPath(string job, int round, int attempt, string node) =>
        Path.Combine(SpillFolder(job, round, attempt), $"{string.Concat(node.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'))}.f32");
    public string SpillFolder(string job, int round, int attempt) => Path.Combine(Root, "spill", job, $"r{round}-a{attempt}");
    /// <summary>One round attempt's spills, once its round closed.</summary>
    public void DropSpill(string job, int round, int attempt)
    {
        var dir = SpillFolder(job, round, attempt);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Worker ids are the coordinator's own ("w-" + hex); anything else never reaches a path.</summary>
    public static string Safe(string worker) =>
        worker.Length is > 0 and <= 64 && worker.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? worker
            : throw new ArgumentException($"'{worker}' is not a worker id");

    /// <summary>Client momenta written by the close of <paramref name="round"/>, which is re-run: they must never be read.</summary>
    public void DropMomenta(string job, int round)
    {
        var dir = Path.Combine(Root, "momentum", job);
        if (!Directory.Exists(dir)) return;
        foreach (var worker in Directory.GetDirectories(dir))
        {
            var file = Path.Combine(worker, $"r{round}.f32");
            if (File.Exists(file)) File.Delete(file);
        }
    }

    /// <summary>Every spill folder of the job: a round that closed or was re-run leaves nothing that is read again.</summary>
    public void DropSpills(string job)
    {
        var dir = Path.Combine(Root, "spill", job);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public void PutArtifact(Artifact a)
    {
        var path = ArtifactPath(a.Sha256);
        if (!File.Exists(path)) WriteAtomic(path, a.Bytes);
    }

    /// <summary>Writes the weights (named and shaped like the parameters) and the server state of one version.</summary>
    public void PutCheckpoint(string job, ParameterSet template, GlobalModel model)
    {
        // State first: the weights file is what marks a version as present. A strategy without server state (FedAvg)
        // writes no state file; a missing one loads as empty.
        if (model.State.Names.Any())
        {
            var state = new SafetensorsFile(model.State.Names.Select(n => Protocol.NamedTensor.FromFloats(n, [model.State.Get(n)!.LongLength], model.State.Get(n)!)));
            WriteAtomic(ServerStatePath(job, model.Version), state.ToBytes());
        }
        // Written straight from the model's flat weights: a round's close waits for this file, and copies of a CNN cost more than its fsync.
        var layout = template.Tensors.Select(t => (t.Name, t.Shape)).ToList();
        var metadata = new Dictionary<string, string> { ["version"] = model.Version.ToString(), ["job"] = job };
        WriteAtomic(WeightsPath(job, model.Version), stream => SafetensorsFile.WriteF32(stream, layout, model.Weights, metadata));
    }

    public GlobalModel LoadCheckpoint(string job, long version, ParameterSet template)
    {
        var weights = SafetensorsFile.Read(File.ReadAllBytes(WeightsPath(job, version)));
        // Tensor by tensor into one flat array (a LINQ flatten of a CNN's 1.66M floats cost more than reading the file).
        var flat = new float[template.Count];
        int offset = 0;
        foreach (var t in template.Tensors)
        {
            var values = weights.GetFloats(t.Name);
            values.CopyTo(flat, offset);
            offset += values.Length;
        }
        var state = ServerState.Empty;
        var statePath = ServerStatePath(job, version);
        if (File.Exists(statePath))
            foreach (var t in SafetensorsFile.Read(File.ReadAllBytes(statePath)).Tensors)
                state = state.With(t.Name, t.ToFloatArray());
        return new GlobalModel(flat, version, state);
    }

    public byte[] GetOrCreateShard(string job, int shard, Func<byte[]> encode)
    {
        var path = ShardPath(job, shard);
        if (File.Exists(path)) return File.ReadAllBytes(path);
        var bytes = encode();
        WriteAtomic(path, bytes);
        return bytes;
    }

    public static void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>As <see cref="WriteAtomic(string, ReadOnlySpan{byte})"/>, for content written to a stream (no buffer of the whole file).</summary>
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(f);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
