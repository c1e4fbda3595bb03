namespace Tessera.Federation.Robust;

/// <summary>A round's cohort as it arrives, readable as a set once the round closes; disposed after aggregation (a spill file is deleted).</summary>
public interface IUpdateBuffer : IUpdateSet, IDisposable
{
    void Add(string clientId, ReadOnlySpan<float> delta, double weight);
}

/// <summary>Makes each round's buffer: in memory for the simulator; the coordinator supplies a spill file under the blob folder.</summary>
public interface IUpdateBufferFactory
{
    IUpdateBuffer Create(int round, int length);
}

/// <summary>Buffers updates in the managed heap (a copy of each delta).</summary>
public sealed class InMemoryUpdateBufferFactory : IUpdateBufferFactory
{
    public static readonly InMemoryUpdateBufferFactory Instance = new();

    public IUpdateBuffer Create(int round, int length) => new Buffer(length);

    sealed class Buffer(int length) : IUpdateBuffer
    {
        readonly InMemoryUpdateSet _set = new(length);

        public int Count => _set.Count;
        public int Length => _set.Length;
        public ReadOnlySpan<float> this[int index] => _set[index];
        public string ClientId(int index) => _set.ClientId(index);
        public double Weight(int index) => _set.Weight(index);
        public void Add(string clientId, ReadOnlySpan<float> delta, double weight) => _set.Add(clientId, delta.ToArray(), weight);
        public void Dispose() { }
    }
}
