namespace Tessera.Protocol;

/// <summary>Thrown when safetensors bytes are malformed; the message names the tensor or field at fault.</summary>
public sealed class SafetensorsFormatException : FormatException
{
    public SafetensorsFormatException(string message) : base(message) { }
    public SafetensorsFormatException(string message, Exception inner) : base(message, inner) { }
}
