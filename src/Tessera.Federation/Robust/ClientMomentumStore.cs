namespace Tessera.Federation.Robust;

/// <summary>
/// Where each client's momentum mᵢ is kept between rounds. The simulator keeps it in memory and in its checkpoints;
/// the coordinator will keep it like SCAFFOLD's cᵢ (a file per worker), since volunteers come and go.
/// </summary>
public interface IClientMomentumStore
{
    float[]? Get(string clientId);

    void Set(string clientId, float[] momentum);
}

/// <summary>Every client's momentum, for a checkpoint; restoring it continues as if the run had not stopped.</summary>
public sealed record ClientMomentumState(IReadOnlyDictionary<string, float[]> Momenta);

/// <summary>Momenta in a dictionary (the simulator, tests). Memory follows participation: only clients seen so far.</summary>
public sealed class InMemoryClientMomentumStore : IClientMomentumStore
{
    readonly Dictionary<string, float[]> _momenta = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public int Count { get { lock (_gate) return _momenta.Count; } }

    public float[]? Get(string clientId) { lock (_gate) return _momenta.GetValueOrDefault(clientId); }

    public void Set(string clientId, float[] momentum) { lock (_gate) _momenta[clientId] = momentum; }

    /// <summary>A copy: later rounds do not change a snapshot already taken.</summary>
    public ClientMomentumState Snapshot()
    {
        lock (_gate) return new ClientMomentumState(_momenta.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone(), StringComparer.Ordinal));
    }

    public void Restore(ClientMomentumState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _momenta.Clear();
            foreach (var (client, m) in state.Momenta) _momenta[client] = (float[])m.Clone();
        }
    }
}
