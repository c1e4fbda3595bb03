using Tessera.Protocol;

namespace Tessera.Coordinator.Tests;

public static class TestTensors
{
    /// <summary>Every F32 tensor of a safetensors file, concatenated in file order.</summary>
    public static float[] Floats(byte[] safetensors) => SafetensorsFile.Read(safetensors).Tensors.SelectMany(t => t.ToFloatArray()).ToArray();
}
