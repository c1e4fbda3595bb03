namespace Tessera.Data.Loading;

/// <summary>An IDX file (MNIST's container format) is malformed.</summary>
public sealed class IdxFormatException(string message) : FormatException(message);
