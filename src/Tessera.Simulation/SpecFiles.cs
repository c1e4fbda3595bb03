using Tessera.Protocol.Jobs;

namespace Tessera.Simulation;

/// <summary>Files a spec names by path, read relative to the spec's folder; a missing one is an error on its field.</summary>
public static class SpecFiles
{
    public static string Resolve(string baseDirectory, string path) => Path.GetFullPath(Path.Combine(baseDirectory, path));

    /// <summary>The ONNX model's bytes, or null for a zoo model.</summary>
    public static byte[]? ReadModel(ModelSpec model, string baseDirectory)
    {
        if (model.Zoo is not null) return null;
        if (model.Onnx is not { } path)
            throw new JobSpecException("model.sha256", "the simulator reads models from files; give model.onnx, a path relative to the spec");
        var full = Resolve(baseDirectory, path);
        if (!File.Exists(full)) throw new JobSpecException("model.onnx", $"no file {full}");
        var bytes = File.ReadAllBytes(full);
        if (model.Sha256 is { } want && Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != want)
            throw new JobSpecException("model.sha256", $"{full} does not hash to {want}: the file changed since the spec pinned it");
        return bytes;
    }
}
