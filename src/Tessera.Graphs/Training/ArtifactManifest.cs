using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Graphs.Training;

public sealed record TensorSpec(string Name, long[] Shape);

/// <summary>
/// How to call an artifact: its input and output names, shapes and hyperparameters. Stored inside the artifact
/// (ONNX metadata "tessera.manifest") so any runtime — .NET, browser, Python — can drive it from the bytes alone.
/// </summary>
public sealed record ArtifactManifest
{
    public const string MetadataKey = "tessera.manifest";
    public const string ParamPrefix = "param/";
    public const string ParamOutPrefix = "param_out/";
    public const string StatePrefix = "state/";
    public const string StateOutPrefix = "state_out/";
    public const string GlobalPrefix = "global/";
    public const string ServerControlPrefix = "control/server/";
    public const string ClientControlPrefix = "control/client/";

    public required string Kind { get; init; }          // "train" or "eval"
    public required string Model { get; init; }
    public required int BatchSize { get; init; }
    public required long[] SampleShape { get; init; }
    public required DType InputType { get; init; }
    public required long[] LabelShape { get; init; }
    public required DType LabelType { get; init; }
    public required LossKind Loss { get; init; }
    /// <summary>Every tensor bound as "param/" and returned as "param_out/": the trainable ones, then the buffers.</summary>
    public required IReadOnlyList<TensorSpec> Parameters { get; init; }
    /// <summary>
    /// Names of the <see cref="Parameters"/> that are buffers (BatchNorm running statistics): updated by the
    /// forward pass, not the optimizer, with no gradient, optimizer state, FedProx or SCAFFOLD inputs. A
    /// federation layer may average them like weights or keep them local (FedBN).
    /// </summary>
    public IReadOnlyList<string> Buffers { get; init; } = [];
    /// <summary>
    /// FedBN: names of the <see cref="Parameters"/> a client keeps as its own (its BatchNorm layers): it trains from
    /// its kept values, not the global ones, and uploads a zero delta for them. Null (and absent from the JSON, so
    /// other artifacts keep their bytes and hashes) when every parameter is federated.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Local { get; init; }
    /// <summary>Optimizer state carried between calls; starts at zero.</summary>
    public IReadOnlyList<TensorSpec> State { get; init; } = [];
    /// <summary>Scalar float inputs (plus "dropout_seed", int64) in the order they appear.</summary>
    public IReadOnlyList<string> Hyperparameters { get; init; } = [];
    public IReadOnlyList<string> ExtraInputs { get; init; } = [];
    public string? Optimizer { get; init; }
    public long FlopsPerSample { get; init; }

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static ArtifactManifest FromJson(string json) =>
        JsonSerializer.Deserialize<ArtifactManifest>(json, Json) ?? throw new FormatException("empty manifest");
}
