using Microsoft.ML.OnnxRuntime;

namespace Tessera.Runtime;

/// <summary>Creates ONNX Runtime sessions for artifacts, with the requested execution provider.</summary>
public static class SessionFactory
{
    static readonly Dictionary<ExecutionProvider, string> ProviderNames = new()
    {
        [ExecutionProvider.Cuda] = "CUDAExecutionProvider",
        [ExecutionProvider.DirectML] = "DmlExecutionProvider",
        [ExecutionProvider.CoreML] = "CoreMLExecutionProvider",
    };

    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    public static InferenceSession Create(byte[] model, RuntimeOptions options)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (options.IntraOpThreads > 0) so.IntraOpNumThreads = options.IntraOpThreads;
        if (options.IntraOpSpinning is { } spin) so.AddSessionConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
        if (options.ProfilePrefix is not null)
        {
            so.EnableProfiling = true;
            so.ProfileOutputPathPrefix = options.ProfilePrefix;
        }
        if (options.Provider != ExecutionProvider.Cpu)
        {
            string name = ProviderNames[options.Provider];
            if (!AvailableProviders().Contains(name))
                throw new NotSupportedException(
                    $"execution provider '{options.Provider}' ({name}) is not in this ONNX Runtime build; available: {string.Join(", ", AvailableProviders())}. " +
                    "Install the matching Microsoft.ML.OnnxRuntime.Gpu / DirectML package, or use --provider cpu.");
            switch (options.Provider)
            {
                case ExecutionProvider.Cuda: so.AppendExecutionProvider_CUDA(); break;
                case ExecutionProvider.DirectML: so.AppendExecutionProvider("DML"); break;
                case ExecutionProvider.CoreML: so.AppendExecutionProvider("CoreML"); break;
            }
        }
        return new InferenceSession(model, so);
    }
}
