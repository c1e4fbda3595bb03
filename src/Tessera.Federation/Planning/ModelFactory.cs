using Tessera.Graphs;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;
using Tessera.Graphs.Zoo;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>
/// The job's model from its <see cref="ModelSpec"/>: a zoo model, or the user's ONNX imported as trainable. Any
/// failure (not ONNX, an op without a gradient rule, a shape that does not infer) becomes one
/// <see cref="JobSpecException"/> on the model field, never a stack trace.
/// </summary>
public static class ModelFactory
{
    public static LossKind Loss(string name) => name switch
    {
        "softmax_cross_entropy" => LossKind.SoftmaxCrossEntropy,
        "bce_with_logits" => LossKind.BinaryCrossEntropy,
        "mse" => LossKind.MeanSquaredError,
        _ => throw new JobSpecException("model.loss", $"'{name}' is not one of softmax_cross_entropy, bce_with_logits, mse"),
    };

    /// <param name="onnx">The ONNX model's bytes; needed when the spec names one.</param>
    public static TrainableModel Create(ModelSpec spec, ulong seed, byte[]? onnx)
    {
        if (spec.Zoo is { } zoo)
        {
            try { return ModelZoo.Create(zoo, seed); }
            catch (ArgumentException e) { throw new JobSpecException("model", e.Message); }
        }
        if (onnx is null) throw new JobSpecException("model", $"the ONNX model {spec} was not provided");
        var field = spec.Onnx is not null ? "model.onnx" : "model.sha256";
        try
        {
            var name = spec.Onnx is { } path ? Path.GetFileNameWithoutExtension(path) : null;
            return OnnxImporter.Import(onnx, Loss(spec.Loss), name, spec.Freeze, spec.Output);
        }
        catch (JobSpecException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Importer failures already name the node and op; one line is what a user needs.
            throw new JobSpecException(field, $"{spec}: {FirstLine(e.Message)}");
        }
    }

    static string FirstLine(string s) => s.Split('\n')[0].TrimEnd();
}
