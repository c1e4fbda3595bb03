using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tessera.Coordinator.Workers;

/// <summary>
/// Worker profiles as this node last read them from their grains. The registry's tick needs every live worker's
/// profile four times a second, and with 10,000 idle workers asking each grain every time cost half a core while
/// nothing happened. A profile changes only when its worker joins or reports a speed, and this node forgets the
/// entry then; the time limit bounds how stale a change made through another node can be.
/// </summary>
public sealed class ProfileCache(Func<string, Task<WorkerProfile?>> read, TimeSpan maxAge)
{
    readonly ConcurrentDictionary<string, (WorkerProfile? Profile, long Expires)> _entries = new(StringComparer.Ordinal);

    public async Task<WorkerProfile?> Get(string id)
    {
        long now = Stopwatch.GetTimestamp();
        if (_entries.TryGetValue(id, out var e) && e.Expires > now) return e.Profile;
        var profile = await read(id);
        _entries[id] = (profile, now + Jittered());
        return profile;
    }

    /// <summary>The profiles of these workers in order (unknown ones left out); only missing or expired entries reach a grain.</summary>
    public async Task<IReadOnlyList<WorkerProfile>> GetMany(IEnumerable<string> ids)
    {
        long now = Stopwatch.GetTimestamp();
        var result = new List<WorkerProfile?>();
        List<(int Index, Task<WorkerProfile?> Read)>? misses = null;
        foreach (var id in ids)
        {
            if (_entries.TryGetValue(id, out var e) && e.Expires > now) result.Add(e.Profile);
            else
            {
                (misses ??= []).Add((result.Count, Get(id)));
                result.Add(null);
            }
        }
        if (misses is not null)
            foreach (var (index, task) in misses) result[index] = await task;
        return result.OfType<WorkerProfile>().ToList();
    }

    public void Forget(string id) => _entries.TryRemove(id, out _);

    // Entries read in the same tick would otherwise all expire in the same later tick.
    long Jittered() => (long)(maxAge.TotalSeconds * (0.75 + 0.5 * Random.Shared.NextDouble()) * Stopwatch.Frequency);
}
