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
        return DenseTensorReader.Read(file, template, name => ControlVariateTensors.DeltaPrefix + name, workerId, "control variate deltas",
            ": a SCAFFOLD update carries the control variate delta of every parameter");
    }

    static UploadRejectedException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
