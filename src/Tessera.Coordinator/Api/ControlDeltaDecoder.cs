using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Tessera.Federation;
using Tessera.Graphs;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Reads SCAFFOLD's Δc_i from an upload: one tensor per parameter named "control_delta/&lt;parameter&gt;", shaped like
/// the parameter, F32/F16/BF16, every value finite. Anything else is a 400 naming the tensor; nothing is changed.
/// </summary>
public static class ControlDeltaDecoder
{
    public static bool IsControlDelta(string tensorName) => tensorName.StartsWith(ControlVariateTensors.DeltaPrefix, StringComparison.Ordinal);

    public static float[] Read(SafetensorsFile file, ParameterSet template, string workerId)
    {
        var expected = template.Tensors.Select(p => ControlVariateTensors.DeltaPrefix + p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
            if (IsControlDelta(t.Name) && !expected.Contains(t.Name))
                throw Bad($"unexpected tensor '{t.Name}'; control variate deltas are named {ControlVariateTensors.DeltaPrefix}<parameter>");
        var flat = new float[template.Count];
        int offset = 0;
        foreach (var p in template.Tensors)
        {
            string name = ControlVariateTensors.DeltaPrefix + p.Name;
            if (!file.TryGet(name, out var t)) throw Bad($"missing tensor '{name}': a SCAFFOLD update carries the control variate delta of every parameter");
            if (t.DType is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
                throw Bad($"tensor '{name}' is {t.DType.ToHeaderName()}; control variate deltas must be F32, F16 or BF16");
            if (!t.Shape.SequenceEqual(p.Shape))
                throw Bad($"tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected {Shapes.Format(p.Shape)} (the shape of '{p.Name}')");
            var target = flat.AsSpan(offset, (int)t.ElementCount());
            if (t.DType == SafetensorsDType.F32 && BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(t.Data.Span).CopyTo(target);
            else t.ToFloatArray().CopyTo(target);
            try { UpdateValidator.RequireFinite(target, workerId, $"tensor '{name}'"); }
            catch (InvalidUpdateException e) { throw Bad(e.Message); }
            offset += target.Length;
        }
        return flat;
    }

    static UploadRejectedException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
