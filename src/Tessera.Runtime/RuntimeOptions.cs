namespace Tessera.Runtime;

public enum ExecutionProvider { Cpu, Cuda, DirectML, CoreML }

/// <summary>How ONNX Runtime runs artifacts on this machine.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Threads for one op; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
    /// <summary>
    /// Whether idle intra-op threads spin-wait for the next op instead of sleeping; null keeps ONNX Runtime's
    /// default (spin). Spinning saves the wake-up latency between ops but burns a core's share when other
    /// processes compete for it.
    /// </summary>
    public bool? IntraOpSpinning { get; init; }
    /// <summary>When set, ONNX Runtime writes a per-op profile (Chrome trace JSON) with this path prefix.</summary>
    public string? ProfilePrefix { get; init; }

    public static RuntimeOptions Default { get; } = new();
}
