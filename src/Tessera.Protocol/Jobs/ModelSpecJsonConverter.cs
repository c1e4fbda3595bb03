using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Tessera.Protocol.Jobs;

/// <summary>Writes a zoo model as the plain string a user writes (`"model": "cnn"`), an ONNX model as its mapping.</summary>
internal sealed class ModelSpecJsonConverter : JsonConverter<ModelSpec>
{
    public override ModelSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ModelSpecReader.Read(JsonNode.Parse(ref reader));

    public override void Write(Utf8JsonWriter writer, ModelSpec value, JsonSerializerOptions options)
    {
        if (value.Zoo is { } zoo) { writer.WriteStringValue(zoo); return; }
        writer.WriteStartObject();
        if (value.Onnx is not null) writer.WriteString("onnx", value.Onnx);
        if (value.Sha256 is not null) writer.WriteString("sha256", value.Sha256);
        writer.WriteString("loss", value.Loss);
        if (value.Freeze.Count > 0)
        {
            writer.WriteStartArray("freeze");
            foreach (var f in value.Freeze) writer.WriteStringValue(f);
            writer.WriteEndArray();
        }
        if (value.Output is not null) writer.WriteString("output", value.Output);
        if (value.FedBn) writer.WriteBoolean("fedbn", true);
        writer.WriteEndObject();
    }
}
