using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tessera.Data;
using Tessera.Graphs;
using Tessera.Graphs.Interop;
using Tessera.Graphs.Training;

namespace Tessera.Runtime;

/// <summary>
/// The model's raw outputs (logits, regression values) on a data set, from the same inference ONNX a user exports:
/// what metrics beyond loss and accuracy (AUC, F1, MSE, MAE) are computed from.
/// </summary>
public static class Predictor
{
    /// <returns>Outputs row-major, <c>outputs.Length / data.Count</c> per sample.</returns>
    public static float[] Predict(TrainableModel model, ParameterSet weights, Dataset data, int batchSize = 1000, RuntimeOptions? options = null) =>
        Predict(InferenceExport.ToOnnx(model, weights).ToBytes(), data, batchSize, options);

    /// <summary>Outputs of an inference ONNX (one data input, the first output is the prediction), e.g. a job's exported model.</summary>
    public static float[] Predict(byte[] inferenceOnnx, Dataset data, int batchSize = 1000, RuntimeOptions? options = null)
    {
        using var session = SessionFactory.Create(inferenceOnnx, options ?? RuntimeOptions.Default);
        var inputName = session.InputNames[0];
        var outputName = session.OutputNames[0];
        bool tokens = session.InputMetadata[inputName].ElementDataType == TensorElementType.Int64;
        var result = new List<float>();
        for (int first = 0; first < data.Count; first += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - first);
            long[] shape = [n, .. data.SampleShape.Select(d => (long)d)];
            var x = data.Features.AsSpan(first * data.SampleSize, n * data.SampleSize);
            using var input = tokens
                ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(x.ToArray(), v => (long)v), shape)
                : OrtValue.CreateTensorValueFromMemory(x.ToArray(), shape);
            using var outputs = session.Run(new RunOptions(), [inputName], [input], [outputName]);
            result.AddRange(outputs[0].GetTensorDataAsSpan<float>());
        }
        return result.ToArray();
    }
}
