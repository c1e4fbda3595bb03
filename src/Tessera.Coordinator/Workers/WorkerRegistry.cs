using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Workers;

/// <summary>
/// Sessions of joined workers. Bearer tokens are random and stored only as sha256 hashes; sessions are
/// persisted, so workers keep working across a coordinator restart without re-joining.
/// </summary>
public sealed class WorkerRegistry
{
    readonly Store _store;
    readonly ConcurrentDictionary<string, WorkerSession> _byTokenHash = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, WorkerSession> _byId = new(StringComparer.Ordinal);

    public WorkerRegistry(Store store)
    {
        _store = store;
        foreach (var row in store.Workers())
        {
            var caps = JsonSerializer.Deserialize<WorkerCapabilities>(row.Capabilities, WireJson.Options) ?? new();
            var s = new WorkerSession(row.Id, row.Name, row.TokenHash, row.ScopeJob, caps) { Speed = row.Speed };
            // Restored sessions start "not seen": they become live again on their next request.
            _byId[s.Id] = s;
            _byTokenHash[s.TokenHash] = s;
        }
    }

    public ChangeSignal Changes { get; } = new();

    public (WorkerSession Session, string Token) Join(string? name, string? scopeJob, WorkerCapabilities caps)
    {
        var id = "w-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var session = new WorkerSession(id, string.IsNullOrWhiteSpace(name) ? id : name.Trim(), Hash(token), scopeJob, caps);
        _store.UpsertWorker(new WorkerRow
        {
            Id = id, Name = session.Name, TokenHash = session.TokenHash, ScopeJob = scopeJob,
            Capabilities = JsonSerializer.Serialize(caps, WireJson.Options), Speed = caps.SamplesPerSecond, Joined = DateTimeOffset.UtcNow.ToString("O"),
        });
        _byId[id] = session;
        _byTokenHash[session.TokenHash] = session;
        Changes.Pulse();
        return (session, token);
    }

    public WorkerSession? Authenticate(string? token) =>
        string.IsNullOrEmpty(token) ? null : _byTokenHash.GetValueOrDefault(Hash(token));

    public WorkerSession? Get(string id) => _byId.GetValueOrDefault(id);

    public IEnumerable<WorkerSession> All => _byId.Values;

    public IReadOnlyList<WorkerSession> Live(TimeSpan timeout) => _byId.Values.Where(w => w.IsLive(timeout)).ToList();

    public void RecordSpeed(WorkerSession w, double samplesPerSecond)
    {
        if (!(samplesPerSecond > 0) || !double.IsFinite(samplesPerSecond)) return;
        w.Speed = samplesPerSecond;
        _store.SetWorkerSpeed(w.Id, samplesPerSecond);
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
