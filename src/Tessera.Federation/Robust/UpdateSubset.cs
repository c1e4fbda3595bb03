namespace Tessera.Federation.Robust;

/// <summary>A view of some of a set's updates (Bulyan's Krum picks), without copying them.</summary>
public sealed class UpdateSubset(IUpdateSet all, IReadOnlyList<int> indices) : IUpdateSet
{
    public int Count => indices.Count;
    public int Length => all.Length;
    public ReadOnlySpan<float> this[int index] => all[indices[index]];
    public string ClientId(int index) => all.ClientId(indices[index]);
    public double Weight(int index) => all.Weight(indices[index]);
}
