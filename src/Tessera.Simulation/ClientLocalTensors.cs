using Tessera.Federation.Personalization;

namespace Tessera.Simulation;

/// <summary>
/// FedBN in the simulator: each virtual client's own BatchNorm tensors, kept between its rounds. A client that has
/// never trained starts from the global values; afterwards from what its last task left. Memory follows
/// participation (packed local values only, for clients that trained). Thread-safe: clients train in parallel.
/// </summary>
public sealed class ClientLocalTensors(LocalTensors layout)
{
    readonly Dictionary<int, float[]> _kept = new();
    readonly Lock _gate = new();

    public LocalTensors Layout => layout;

    /// <summary>The weights client <paramref name="client"/> trains from: the global ones with its own local tensors in place.</summary>
    public float[] StartFrom(int client, float[] global)
    {
        float[]? own;
        lock (_gate) own = _kept.GetValueOrDefault(client);
        if (own is null) return global;
        var start = (float[])global.Clone();
        layout.Overlay(start, own);
        return start;
    }

    /// <summary>Keeps a client's own tensors after a task (packed, as <see cref="ClientOutcome.NewLocalTensors"/>); its next task starts from them.</summary>
    public void Keep(int client, float[] own)
    {
        if (own.Length != layout.Count) throw new ArgumentException($"expected {layout.Count} local values, got {own.Length}");
        lock (_gate) _kept[client] = own;
    }

    /// <summary>The clients that have trained, in index order, with a copy of their packed local values.</summary>
    public IReadOnlyDictionary<int, float[]> Snapshot()
    {
        lock (_gate) return _kept.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone());
    }

    public void Restore(IReadOnlyDictionary<int, float[]> kept)
    {
        lock (_gate)
            foreach (var (client, values) in kept)
            {
                if (values.Length != layout.Count) throw new InvalidDataException($"client {client}'s local tensors hold {values.Length} values, the model's {layout.Count}");
                _kept[client] = (float[])values.Clone();
            }
    }
}
