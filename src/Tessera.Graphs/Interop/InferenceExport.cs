using Tessera.Graphs.Training;

namespace Tessera.Graphs.Interop;

/// <summary>Exports trained weights as a plain ONNX inference model: the forward graph with its initializers replaced.</summary>
public static class InferenceExport
{
    public static OnnxModel ToOnnx(TrainableModel model, ParameterSet weights)
    {
        var g = model.Forward.Clone();
        foreach (var t in weights.Tensors)
        {
            if (!g.Initializers.TryGetValue(t.Name, out var old)) throw new ArgumentException($"model '{model.Name}' has no parameter '{t.Name}'");
            if (!old.Shape.SequenceEqual(t.Shape)) throw new ArgumentException($"parameter '{t.Name}' has shape {Shapes.Format(t.Shape)}, model expects {Shapes.Format(old.Shape)}");
            g.Initializers[t.Name] = TensorData.FromFloats(t.Shape, t.Values);
        }
        var onnx = new OnnxModel(g);
        onnx.Metadata["tessera.model"] = model.Name;
        return onnx;
    }
}
