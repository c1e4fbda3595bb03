namespace Tessera.Runtime;

public enum ExecutionProvider { Cpu, Cuda, DirectML, CoreML }

/// <summary>How ONNX Runtime runs artifacts on this machine.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Threads for one op; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>
    /// Whether idle intra-op threads spin (ONNX Runtime's default) or sleep. Spinning is fastest on an idle machine;
    /// on a loaded one (a shared box, a volunteer's laptop) a spinning pool loses its cores to other processes.
    /// </summary>
    public bool IntraOpSpinning { get; init; } = true;
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
    /// <summary>When set, ONNX Runtime writes a per-op profile (Chrome trace JSON) with this path prefix.</summary>
    public string? ProfilePrefix { get; init; }

    public static RuntimeOptions Default { get; } = new();
}
