using System.Text;
using Tessera.Protocol;

namespace Tessera.Protocol.Tests;

/// <summary>Bytes spelled out by hand as PyTorch's safetensors writes them, guarding wire compatibility.</summary>
public class SafetensorsKnownBytesTests
{
    // safetensors.torch.save({"a": torch.tensor([1.0, 2.0])}): 54-byte JSON padded with 2 spaces to 56.
    private static byte[] TinyFile()
    {
        byte[] prefix = [0x38, 0, 0, 0, 0, 0, 0, 0];
        byte[] json = Encoding.ASCII.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  ");
        byte[] data = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]; // 1.0f, 2.0f little-endian
        return [.. prefix, .. json, .. data];
    }

    [Fact]
    public void ReadsHandBuiltFile()
    {
        var file = SafetensorsFile.Read(TinyFile());

        var a = Assert.Single(file.Tensors);
        Assert.Equal("a", a.Name);
        Assert.Equal(SafetensorsDType.F32, a.DType);
        Assert.Equal([2L], a.Shape);
        Assert.Equal([1f, 2f], a.ToFloatArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void WritesTheSameBytesAsTheReferenceWriter()
    {
        var file = new SafetensorsFile([NamedTensor.FromFloats("a", [2], [1f, 2f])]);
        Assert.Equal(TinyFile(), file.ToBytes());
    }

    [Fact]
    public void AcceptsUnpaddedHeaderAndMetadataFromOtherWriters()
    {
        string json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}";
        byte[] header = Encoding.ASCII.GetBytes(json);
        byte[] bytes = [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0x80, 0x3F]; // bf16 1.0

        var file = SafetensorsFile.Read(bytes);

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([1f], file.GetFloats("b"));
    }
}
