using Tessera.Protocol.Wire;

namespace Tessera.Worker;

/// <summary>
/// SCAFFOLD under secure aggregation: this worker's own control variates c_i, one per job. The coordinator never sees
/// Δc_i (it is masked beside the update), so it cannot keep c_i as it does in the clear. After a round the new
/// c_i⁺ = c_i + (bounded) Δc_i waits here as pending; it becomes c_i only once the committed round is known to have
/// counted this worker's input (<see cref="SecureAggregationTask.CountedUrl"/>), so a round that dropped it, failed or was
/// re-run after a coordinator crash never moves c_i. Kept in memory: a restarted worker starts again from c_i = 0,
/// SCAFFOLD's initial value.
/// </summary>
public sealed class OwnControlVariates
{
    sealed record Pending(int Round, string CountedUrl, float[] Next);

    readonly Dictionary<string, float[]> _committed = new(StringComparer.Ordinal);
    readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>
    /// c_i for a task of round <paramref name="round"/> of the job (zeros if none yet). A pending c_i⁺ of an earlier
    /// round is settled first: <paramref name="counted"/> asks the coordinator whether that round counted it.
    /// </summary>
    public async Task<float[]> For(string job, int round, int length, Func<string, Task<ControlCounted>> counted)
    {
        if (_pending.TryGetValue(job, out var p) && p.Round < round)
        {
            // Asked before it is dropped: a network failure leaves it pending for the next task.
            if ((await counted(p.CountedUrl)).Counted) _committed[job] = p.Next;
            _pending.Remove(job);
        }
        else if (p is not null) _pending.Remove(job);   // the same round again: its earlier attempt was not committed
        var ci = _committed.GetValueOrDefault(job);
        return ci is { Length: var n } && n == length ? (float[])ci.Clone() : new float[length];
    }

    /// <summary>After a secure round this worker took part in: c_i⁺, to be kept once the round is known to have counted it.</summary>
    public void Propose(string job, int round, string countedUrl, float[] next) => _pending[job] = new Pending(round, countedUrl, next);

    /// <summary>The committed c_i of a job, for tests and status (null: none).</summary>
    public float[]? Committed(string job) => _committed.GetValueOrDefault(job);
}
