using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Protocol.Wire;

/// <summary>JSON settings of the control protocol: snake_case keys and string enums, the same on both ends.</summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Default JSON that also writes and reads NaN and ±Infinity, as "NaN"/"Infinity" (a diverged step's loss).</summary>
    public static JsonSerializerOptions NonFiniteNumbers { get; } = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Applies the protocol's settings to an existing options object (e.g. ASP.NET Core's).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }
}
