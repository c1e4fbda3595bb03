using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Tessera.Protocol.Jobs;

/// <summary>Writes the aggregator as a user writes it: the bare name when nothing else is set, else the mapping with the settings given.</summary>
internal sealed class AggregatorSpecJsonConverter : JsonConverter<AggregatorSpec>
{
    public override AggregatorSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        AggregatorSpecReader.Read(JsonNode.Parse(ref reader));

    public override void Write(Utf8JsonWriter writer, AggregatorSpec value, JsonSerializerOptions options)
    {
        if (value.IsBare) { writer.WriteStringValue(value.Name); return; }
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        if (value.F is { } f) writer.WriteNumber("f", f);
        if (value.Beta is { } beta) writer.WriteNumber("beta", beta);
        if (value.M is { } m) writer.WriteNumber("m", m);
        if (value.Tau is { } tau) writer.WriteNumber("tau", tau);
        else if (value.AdaptiveTau) writer.WriteString("tau", "adaptive");
        if (value.Iterations is { } it) writer.WriteNumber("iterations", it);
        if (value.Nu is { } nu) writer.WriteNumber("nu", nu);
        if (value.Bound is { } bound) writer.WriteNumber("bound", bound);
        if (value.Momentum is { } momentum) writer.WriteNumber("momentum", momentum);
        if (value.Pre.Count > 0)
        {
            writer.WriteStartArray("pre");
            foreach (var p in value.Pre)
            {
                if (p.BucketSize is { } s) { writer.WriteStartObject(); writer.WriteNumber(p.Name, s); writer.WriteEndObject(); }
                else writer.WriteStringValue(p.Name);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }
}
