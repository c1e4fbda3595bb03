using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tessera.Graphs;
using Tessera.Graphs.Training;

namespace Tessera.Runtime;

/// <summary>Helpers to wrap managed arrays as OrtValues without copying, and to check data shapes against a manifest.</summary>
internal static class OrtTensors
{
    public static OrtValue Wrap(float[] data, long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);
    public static OrtValue Wrap(long[] data, long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);

    public static OrtValue Allocate(long[] shape) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);

    /// <summary>Wraps X and Y for a call, checking their lengths against the artifact's batch geometry.</summary>
    public static (OrtValue X, OrtValue Y) WrapBatches(ArtifactManifest m, BatchData data)
    {
        long sample = Shapes.Numel(m.SampleShape), label = Shapes.Numel(m.LabelShape);
        long[] xShape = [data.Steps, m.BatchSize, .. m.SampleShape];
        long[] yShape = [data.Steps, m.BatchSize, .. m.LabelShape];
        long xLen = (long)data.Steps * m.BatchSize * sample, yLen = (long)data.Steps * m.BatchSize * label;
        OrtValue x = m.InputType switch
        {
            DType.Float when data.Features is { } f => f.LongLength == xLen ? Wrap(f, xShape) : throw Mismatch("features", f.LongLength, xLen),
            DType.Int64 when data.Tokens is { } t => t.LongLength == xLen ? Wrap(t, xShape) : throw Mismatch("tokens", t.LongLength, xLen),
            _ => throw new ArgumentException($"artifact '{m.Model}' takes {m.InputType} inputs; the batch has none of that type"),
        };
        OrtValue y = m.LabelType switch
        {
            DType.Int64 when data.Labels is { } l => l.LongLength == yLen ? Wrap(l, yShape) : throw Mismatch("labels", l.LongLength, yLen),
            DType.Float when data.Targets is { } t => t.LongLength == yLen ? Wrap(t, yShape) : throw Mismatch("targets", t.LongLength, yLen),
            _ => throw new ArgumentException($"artifact '{m.Model}' takes {m.LabelType} labels; the batch has none of that type"),
        };
        return (x, y);
    }

    static ArgumentException Mismatch(string what, long got, long expected) =>
        new($"batch {what} have {got} values; expected {expected} (steps x batch size x sample size)");
}
