using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Declined tasks. One worker giving a task back is routine (another is invited); every worker giving it back
/// means the job cannot progress by waiting: the model diverges on every device, or the update is larger than the
/// upload limit. So once every live worker that may serve the job has declined since the last accepted update, and
/// no task is still open, the job pauses with the reasons as its error: the operator sees why, and volunteers stop
/// spending time on it. Its open round is abandoned, so a resume invites every worker afresh.
/// </summary>
public sealed partial class JobGrain
{
    string? _lastDeclined;
    // Worker → its first reason, since the last accepted update (any accepted update clears it).
    readonly Dictionary<string, string> _declinedSinceAccepted = new(StringComparer.Ordinal);

    void NoteDeclined(RoundTask t, string reason)
    {
        _lastDeclined = $"round {t.Round}, worker {t.WorkerId}: {reason}";
        _declinedSinceAccepted.TryAdd(t.WorkerId, reason);
    }

    void NoteAccepted() => _declinedSinceAccepted.Clear();

    /// <returns>Whether the job paused.</returns>
    bool PauseIfEveryWorkerDeclined()
    {
        if (_declinedSinceAccepted.Count == 0 || Status != JobStatus.Running) return false;
        if (OpenTasks is { } open && open.Values.Any(t => t.State is TaskState.Assigned or TaskState.Folding)) return false;
        var live = _presence.Live();
        if (live.Count == 0 || !live.All(_declinedSinceAccepted.ContainsKey)) return false;

        var reasons = _declinedSinceAccepted.Values.Distinct().ToList();
        int round = _async is not null ? NextStep : _round?.Round ?? (int)_model.Version + 1;
        Error = $"every live worker ({live.Count}) declined round {round}: {reasons[0]}" +
                (reasons.Count > 1 ? $" (and {reasons.Count - 1} other reason{(reasons.Count > 2 ? "s" : "")})" : "") +
                "; fix the cause, then resume to invite them again";
        log.LogWarning("job {Job}: {Error}", Id, Error);
        if (_round is { Phase: RoundPhase.Collecting } r) Rerun(r, "every worker declined");
        foreach (var w in _declinedSinceAccepted.Keys) _lastAsyncVersion.Remove(w);   // FedBuff: one more task each on resume
        _declinedSinceAccepted.Clear();
        Status = JobStatus.Paused;
        store.SetJobStatus(Id, "paused", Error);
        return true;
    }
}
