using System.Text.Json.Nodes;

namespace Tessera.Protocol.Jobs;

/// <summary>Reads `model:`, a zoo name or a mapping naming an ONNX file (or an uploaded model's sha256) and its loss.</summary>
internal static class ModelSpecReader
{
    public static readonly string[] Losses = ["softmax_cross_entropy", "bce_with_logits", "mse"];

    public static ModelSpec Read(JsonNode? node)
    {
        if (node is null) return ModelSpec.FromZoo("2nn");
        if (node is JsonValue v) return ModelSpec.FromZoo(v.TryGetValue<string>(out var s) ? s : v.ToString());
        var m = new SpecReader(node, "model");
        var spec = new ModelSpec
        {
            Zoo = m.String("zoo"),
            Onnx = m.String("onnx"),
            Sha256 = m.String("sha256")?.ToLowerInvariant(),
            Loss = m.String("loss", "softmax_cross_entropy", Losses)!,
            Freeze = m.Strings("freeze"),
            Output = m.String("output"),
            FedBn = m.Bool("fedbn", false)!.Value,
        };
        m.RejectUnknown();
        // onnx and sha256 together name a file and pin its bytes (a model sent with its spec is stored so).
        int named = (spec.Zoo is null ? 0 : 1) + (spec.Onnx is null && spec.Sha256 is null ? 0 : 1);
        if (named != 1)
            throw new JobSpecException("model", "name exactly one of zoo, onnx (a file) or sha256 (a model uploaded to the coordinator)");
        if (spec.Sha256 is { } h && (h.Length != 64 || !h.All(char.IsAsciiHexDigit)))
            throw new JobSpecException("model.sha256", $"'{h}' is not a sha256 in hex (64 characters)");
        if (spec.FedBn && spec.Zoo is not null)
            throw new JobSpecException("model.fedbn", $"zoo model '{spec.Zoo}' has no BatchNorm layers to keep local; fedbn needs an ONNX model with training-mode BatchNorm");
        if (spec.Onnx is { Length: 0 })
            throw new JobSpecException("model.onnx", "is empty");
        return spec;
    }
}
