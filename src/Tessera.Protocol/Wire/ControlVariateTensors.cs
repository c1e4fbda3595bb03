namespace Tessera.Protocol.Wire;

/// <summary>
/// SCAFFOLD on the wire: c and c_i download as safetensors named and shaped like the weights, and an update
/// carries the worker's Δc_i = c_i⁺ − c_i next to its weight delta as tensors named with this prefix.
/// </summary>
public static class ControlVariateTensors
{
    public const string DeltaPrefix = "control_delta/";
}
