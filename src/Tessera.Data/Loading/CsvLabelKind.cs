namespace Tessera.Data.Loading;

/// <summary>How the label column of a CSV file is interpreted.</summary>
public enum CsvLabelKind
{
    /// <summary>Integers when every label is a non-negative integer, otherwise categories.</summary>
    Auto,
    /// <summary>Non-negative integer class indices; class count = max + 1.</summary>
    Integer,
    /// <summary>Strings mapped to indices in ordinal sort order of the distinct values.</summary>
    Category,
    /// <summary>A float regression target of shape [1].</summary>
    Regression,
}
