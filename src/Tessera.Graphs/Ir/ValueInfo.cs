namespace Tessera.Graphs;

/// <summary>A typed graph input or output. Shape dims of -1 are symbolic (named by <see cref="DimNames"/> when known).</summary>
public sealed record ValueInfo(string Name, DType Type, long[] Shape, string?[]? DimNames = null)
{
    public override string ToString() => $"{Name}: {Type}{Shapes.Format(Shape)}";
}
