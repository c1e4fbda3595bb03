using Tessera.Protocol;

namespace Tessera.Coordinator.Tests;

public static class TestTensors
{
    /// <summary>Every F32 tensor of a safetensors file, concatenated in file order.</summary>
    public static float[] Floats(byte[] safetensors) => SafetensorsFile.Read(safetensors).Tensors.SelectMany(t => t.ToFloatArray()).ToArray();

    /// <summary>How far a job's model moved (L2) from version <paramref name="from"/> to <paramref name="to"/>, and its size.</summary>
    public static async Task<(double Moved, int Length)> Moved(AdminApi admin, string job, long from = 0, long to = 1)
    {
        var before = Floats(await admin.Bytes($"/api/v1/jobs/{job}/model?format=safetensors&version={from}"));
        var after = Floats(await admin.Bytes($"/api/v1/jobs/{job}/model?format=safetensors&version={to}"));
        return (Math.Sqrt(before.Zip(after, (a, b) => (double)(a - b) * (a - b)).Sum()), before.Length);
    }
}
