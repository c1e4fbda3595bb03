using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Tessera.Federation;
using Tessera.Federation.Codecs;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Protocol;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Reads one dense, parameter-shaped tensor per model parameter (a weight delta, or SCAFFOLD's Δc_i) into one flat
/// array in parameter order, refusing a missing tensor, a dtype other than F32/F16/BF16, a wrong shape or a
/// non-finite value with a 400 naming the tensor.
/// </summary>
internal static class DenseTensorReader
{
    /// <param name="tensorName">The upload's tensor name for a parameter name.</param>
    /// <param name="what">What the tensors are, for messages ("updates", "control variate deltas").</param>
    /// <param name="missingHint">Appended to the "missing tensor" message.</param>
    /// <param name="dtype">When set, the only dtype accepted (an fp16 or bf16 job's), named with <paramref name="codec"/> in the refusal.</param>
    /// <param name="into">Where to write (exactly template.Count floats, as UploadDecoder checks; every one overwritten); null allocates.</param>
    public static float[] Read(SafetensorsFile file, ParameterSet template, Func<string, string> tensorName, string workerId, string what, string missingHint = "",
        SafetensorsDType? dtype = null, string? codec = null, float[]? into = null)
    {
        var flat = into ?? new float[template.Count];
        int offset = 0;
        foreach (var p in template.Tensors)
        {
            string name = tensorName(p.Name);
            if (!file.TryGet(name, out var t)) throw Bad($"missing tensor '{name}'{missingHint}");
            if (dtype is { } only && t.DType != only)
                throw Bad($"tensor '{name}' is {t.DType.ToHeaderName()}; this job's upload.codec is {codec}, so {what} must be {only.ToHeaderName()}");
            if (t.DType is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
                throw Bad($"tensor '{name}' is {t.DType.ToHeaderName()}; {what} must be F32, F16 or BF16");
            if (!t.Shape.SequenceEqual(p.Shape))
                throw Bad($"tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected {Shapes.Format(p.Shape)}{(name == p.Name ? "" : $" (the shape of '{p.Name}')")}");
            var target = flat.AsSpan(offset, (int)t.ElementCount());
            // On a little-endian host the wire layout is the in-memory one: F32 is one block copy, F16 one vectorized
            // widening, BF16 a shift per element; no intermediate arrays.
            if (!BitConverter.IsLittleEndian) t.ToFloatArray().CopyTo(target);
            else if (t.DType == SafetensorsDType.F32) MemoryMarshal.Cast<byte, float>(t.Data.Span).CopyTo(target);
            else if (t.DType == SafetensorsDType.F16) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(t.Data.Span), target);
            else BFloat16Codec.DecodeBits(MemoryMarshal.Cast<byte, ushort>(t.Data.Span), target);
            try { UpdateValidator.RequireFinite(target, workerId, $"tensor '{name}'"); }
            catch (InvalidUpdateException e) { throw Bad(e.Message); }
            offset += target.Length;
        }
        return flat;
    }

    static UploadRejectedException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
