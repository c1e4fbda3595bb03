using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Tessera.Graphs.Tests.Conformance;

/// <summary>Runs an ONNX model under Node with onnxruntime-web's WASM backend (web/tools/run-model.mjs).</summary>
internal static class NodeModelRunner
{
    public sealed record Input(string Name, string DType, long[] Dims, byte[] Data)
    {
        public static Input Floats(string name, long[] dims, float[] v) => new(name, "float32", dims, MemoryMarshal.AsBytes(v.AsSpan()).ToArray());
        public static Input Longs(string name, long[] dims, long[] v) => new(name, "int64", dims, MemoryMarshal.AsBytes(v.AsSpan()).ToArray());
    }

    public static Dictionary<string, float[]> Run(byte[] model, IEnumerable<Input> inputs)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-node-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model);
            var specs = new List<object>();
            int i = 0;
            foreach (var input in inputs)
            {
                var file = $"in_{i++}.bin";
                File.WriteAllBytes(Path.Combine(dir, file), input.Data);
                specs.Add(new { name = input.Name, dtype = input.DType, dims = input.Dims, file });
            }
            File.WriteAllText(Path.Combine(dir, "inputs.json"), JsonSerializer.Serialize(specs));
            var psi = new ProcessStartInfo("node", [Path.Combine(RepoPaths.Root, "web", "tools", "run-model.mjs"), dir])
            {
                RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Path.Combine(RepoPaths.Root, "web"),
            };
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException("node run-model.mjs timed out"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"node run-model.mjs failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "outputs.json")));
            var result = new Dictionary<string, float[]>();
            foreach (var o in doc.RootElement.GetProperty("outputs").EnumerateArray())
            {
                if (o.GetProperty("dtype").GetString() != "float32") continue;
                var bytes = File.ReadAllBytes(Path.Combine(dir, o.GetProperty("file").GetString()!));
                result[o.GetProperty("name").GetString()!] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            }
            return result;
        }
        finally { Directory.Delete(dir, true); }
    }
}
