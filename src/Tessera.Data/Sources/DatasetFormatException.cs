namespace Tessera.Data.Sources;

/// <summary>
/// A user's data cannot be read as a data set, or does not fit the model. The message is one line that names
/// the file and what is wrong with it.
/// </summary>
public sealed class DatasetFormatException : FormatException
{
    public DatasetFormatException(string message) : base(message) { }
    public DatasetFormatException(string message, Exception inner) : base(message, inner) { }
}
