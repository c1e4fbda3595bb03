using Google.Protobuf;
using Tessera.Graphs.Onnx.Proto;

namespace Tessera.Graphs;

/// <summary>An ONNX model: a graph, the opset it is written against, and string metadata. Reads and writes ONNX bytes.</summary>
public sealed class OnnxModel
{
    /// <summary>The opset every graph Tessera emits is written against (Gelu needs 20; ORT and onnxruntime-web run it).</summary>
    public const long TesseraOpset = 20;
    public const long IrVersion = 9;

    public Graph Graph { get; }
    public long Opset { get; set; }
    public Dictionary<string, string> Metadata { get; } = new();
    public string ProducerName { get; set; } = "tessera";

    public OnnxModel(Graph graph, long opset = TesseraOpset)
    {
        Graph = graph;
        Opset = opset;
    }

    /// <summary>Serializes to ONNX bytes. Same model in, same bytes out (attributes are written sorted by name).</summary>
    public byte[] ToBytes()
    {
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            Graph = OnnxProtoConverter.ToProto(Graph),
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            proto.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return proto.ToByteArray();
    }

    public static OnnxModel FromBytes(byte[] bytes)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new OnnxFormatException($"not an ONNX model: {e.Message}"); }
        if (proto.Graph is null) throw new OnnxFormatException("ONNX model has no graph");
        long opset = proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset == 0) throw new OnnxFormatException("ONNX model imports no default-domain opset");
        var model = new OnnxModel(OnnxProtoConverter.FromProto(proto.Graph), opset) { ProducerName = proto.ProducerName };
        foreach (var kv in proto.MetadataProps) model.Metadata[kv.Key] = kv.Value;
        return model;
    }

    public static OnnxModel Load(string path) => FromBytes(File.ReadAllBytes(path));
}

public sealed class OnnxFormatException(string message) : Exception(message);
