namespace Tessera.Protocol.Jobs;

/// <summary>
/// The job's model: a zoo name, or the user's own forward ONNX (for example a torch.onnx.export) with its loss.
/// In a spec it is either a plain string (`model: cnn`) or a mapping (`model: { onnx: net.onnx, loss: mse }`).
/// </summary>
public sealed record ModelSpec
{
    /// <summary>A zoo model (logreg, 2nn, cnn, chartransformer); null for an ONNX model.</summary>
    public string? Zoo { get; init; }
    /// <summary>Path of an ONNX file: relative to the spec file for `tessera simulate`, or the name of a part of the multipart job request.</summary>
    public string? Onnx { get; init; }
    /// <summary>sha256 (hex) of an ONNX model uploaded to the coordinator first (POST /api/v1/models); beside <see cref="Onnx"/>, the file's bytes must hash to it.</summary>
    public string? Sha256 { get; init; }
    /// <summary>softmax_cross_entropy, bce_with_logits or mse (ONNX models; zoo models bring their own).</summary>
    public string Loss { get; init; } = "softmax_cross_entropy";
    /// <summary>Initializer names, or prefixes ending in '.', kept fixed during training.</summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];
    /// <summary>Which graph output is the prediction; the first by default.</summary>
    public string? Output { get; init; }
    /// <summary>
    /// FedBN (Li et al. 2021): the model's BatchNorm layers (scale, bias, running mean and variance) stay on each client
    /// and are never averaged; every other tensor is federated by the job's strategy. Needs training-mode BatchNorm.
    /// </summary>
    public bool FedBn { get; init; }

    public static ModelSpec FromZoo(string name) => new() { Zoo = name };

    public bool IsOnnx => Zoo is null;

    /// <summary>What the model is called in logs and tables.</summary>
    public override string ToString() => Zoo ?? (Onnx is not null ? Path.GetFileName(Onnx) : $"onnx:{(Sha256 ?? "")[..Math.Min(12, Sha256?.Length ?? 0)]}");
}
