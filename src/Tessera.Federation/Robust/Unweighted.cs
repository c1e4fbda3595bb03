namespace Tessera.Federation.Robust;

/// <summary>A set with every weight 1: robust rules average their picks equally, since a sample count is the client's own claim.</summary>
internal sealed class Unweighted(IUpdateSet inner) : IUpdateSet
{
    public int Count => inner.Count;
    public int Length => inner.Length;
    public ReadOnlySpan<float> this[int index] => inner[index];
    public string ClientId(int index) => inner.ClientId(index);
    public double Weight(int index) => 1;
}
