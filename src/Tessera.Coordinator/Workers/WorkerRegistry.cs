using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orleans;
using Tessera.Coordinator.Cluster;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Workers;

/// <summary>
/// This node's directory of worker sessions: bearer tokens (random, stored only as sha256 hashes) to worker ids,
/// and when each was last heard from at this node. Sessions are persisted, so workers keep working across a
/// coordinator restart without re-joining, and a token this node has not seen is looked up in the shared database
/// (the worker joined at another node of the cluster). Capabilities, measured speed and the pending task are the <see cref="IWorkerGrain"/>'s.
/// </summary>
public sealed class WorkerRegistry
{
    readonly IGrainFactory _grains;
    readonly SessionLookup _lookup;
    readonly ConcurrentDictionary<string, WorkerSession> _byTokenHash = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, WorkerSession> _byId = new(StringComparer.Ordinal);

    // Profiles are cached per node; a speed reported at another node reaches this cache within its expiry.
    readonly ProfileCache _profiles;

    public WorkerRegistry(Store store, IGrainFactory grains, SessionLookup lookup)
    {
        (_grains, _lookup) = (grains, lookup);
        _profiles = new ProfileCache(id => Grain(id).Profile(), TimeSpan.FromSeconds(60));
        foreach (var row in store.Workers())
        {
            var s = new WorkerSession(row.Id, row.Name, row.TokenHash, row.ScopeJob);
            // Restored sessions start "not seen": they become live again on their next request.
            _byId[s.Id] = s;
            _byTokenHash[s.TokenHash] = s;
        }
    }

    public ChangeSignal Changes { get; } = new();

    public IWorkerGrain Grain(string id) => _grains.GetGrain<IWorkerGrain>(id);

    public async Task<(WorkerSession Session, string Token)> Join(string? name, string? scopeJob, WorkerCapabilities caps)
    {
        var id = "w-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var session = new WorkerSession(id, string.IsNullOrWhiteSpace(name) ? id : name.Trim(), Hash(token), scopeJob);
        await Grain(id).Join(session.Name, session.TokenHash, scopeJob, JsonSerializer.Serialize(caps, WireJson.Options));
        _byId[id] = session;
        _byTokenHash[session.TokenHash] = session;
        _profiles.Forget(id);
        Changes.Pulse();
        return (session, token);
    }

    public WorkerSession? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var hash = Hash(token);
        if (_byTokenHash.TryGetValue(hash, out var known)) return known;
        if (_lookup.ByTokenHash(hash) is not { } row) return null;
        var session = _byId.GetOrAdd(row.Id, _ => new WorkerSession(row.Id, row.Name, row.TokenHash, row.ScopeJob));
        _byTokenHash[hash] = session;
        return session;
    }

    /// <summary>A session this node has seen (workers connected to other nodes are in their views, not here).</summary>
    public WorkerSession? Get(string id) => _byId.GetValueOrDefault(id);

    public IEnumerable<WorkerSession> All => _byId.Values;

    public IReadOnlyList<WorkerSession> Live(TimeSpan timeout) => _byId.Values.Where(w => w.IsLive(timeout)).ToList();

    /// <summary>The profiles (capabilities, speed) of these workers, from their grains.</summary>
    public Task<IReadOnlyList<WorkerProfile>> Profiles(IEnumerable<WorkerSession> sessions) => _profiles.GetMany(sessions.Select(s => s.Id));

    /// <summary>One worker's profile (cached, see <see cref="ProfileCache"/>).</summary>
    public Task<WorkerProfile?> Profile(string id) => _profiles.Get(id);

    /// <summary>A task's upload arrived: its worker's grain measures the speed (see <see cref="WorkerSpeed"/>) and keeps the claim beside it.</summary>
    public async Task RecordTiming(WorkerSession w, string taskId, long assignedSamples, long flopsPerSample, double claimedSamplesPerSecond)
    {
        await Grain(w.Id).Finished(taskId, assignedSamples, flopsPerSample, claimedSamplesPerSecond);
        _profiles.Forget(w.Id);
    }

    /// <summary>Wakes the long-polls of these workers only (a tick handed them tasks); idle others sleep on.</summary>
    public void Wake(IEnumerable<string> ids)
    {
        foreach (var id in ids) Get(id)?.Wakeup.Pulse();
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
