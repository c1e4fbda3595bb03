namespace Tessera.Federation.Robust;

/// <summary>
/// One round's individual updates as the robust stage reads them: flat deltas of one length, each with its
/// client and its aggregation weight (sample count). The simulator holds them in memory; the coordinator reads
/// them from a spill file under the blob folder, so rules must read updates through this view, never copy them all.
/// </summary>
public interface IUpdateSet
{
    int Count { get; }

    /// <summary>Values per update (the model's length).</summary>
    int Length { get; }

    ReadOnlySpan<float> this[int index] { get; }

    string ClientId(int index);

    double Weight(int index);
}

/// <summary>Updates held in memory (the simulator, tests).</summary>
public sealed class InMemoryUpdateSet : IUpdateSet
{
    readonly List<(string Client, float[] Delta, double Weight)> _items = [];

    public InMemoryUpdateSet(int length) => Length = length;

    public int Count => _items.Count;
    public int Length { get; }
    public ReadOnlySpan<float> this[int index] => _items[index].Delta;
    public string ClientId(int index) => _items[index].Client;
    public double Weight(int index) => _items[index].Weight;

    public InMemoryUpdateSet Add(string client, float[] delta, double weight = 1)
    {
        if (delta.Length != Length) throw new ArgumentException($"update of {client} has {delta.Length} values, the set holds {Length}", nameof(delta));
        _items.Add((client, delta, weight));
        return this;
    }
}
