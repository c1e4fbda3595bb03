namespace Tessera.Data.Sources;

/// <summary>What a data set's labels are.</summary>
public enum DatasetLabelKind
{
    /// <summary>Integers are classes, floats are regression targets (CSV: integers or category names are classes).</summary>
    Auto,
    /// <summary>Class indices (CSV: integers as given, other text as sorted categories).</summary>
    Class,
    /// <summary>Float regression targets.</summary>
    Float,
}
