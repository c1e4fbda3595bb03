using System.Security.Cryptography;

namespace Tessera.Graphs.Training;

/// <summary>An immutable, content-addressed ONNX graph (training or evaluation) plus how to call it.</summary>
public sealed class Artifact
{
    public byte[] Bytes { get; }
    /// <summary>Lower-case hex sha256 of <see cref="Bytes"/>: the artifact's name everywhere.</summary>
    public string Sha256 { get; }
    public ArtifactManifest Manifest { get; }

    public Artifact(byte[] bytes, ArtifactManifest manifest)
    {
        Bytes = bytes;
        Manifest = manifest;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public static Artifact FromBytes(byte[] bytes)
    {
        var model = OnnxModel.FromBytes(bytes);
        if (!model.Metadata.TryGetValue(ArtifactManifest.MetadataKey, out var json))
            throw new OnnxFormatException("ONNX model is not a Tessera artifact (no tessera.manifest metadata)");
        return new Artifact(bytes, ArtifactManifest.FromJson(json));
    }
}
