namespace Tessera.Data.Loading;

/// <summary>A CSV file cannot be turned into a data set; the message names the row and column.</summary>
public sealed class CsvFormatException(string message) : FormatException(message);
