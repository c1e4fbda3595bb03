using Tessera.Coordinator.Trust;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The audit stage's effect on the round (its decisions are <see cref="AuditStage"/>'s): an update that did not
/// pass its replay is never folded, so it has no effect on the model; its claim is released and the round may close.
/// </summary>
public sealed partial class JobGrain
{
    AuditStage _audits = null!;

    public Task<bool> Refused(string taskId, AuditNotice audit)
    {
        if (!_allTasks.TryGetValue(taskId, out var t) || t.State != TaskState.Folding || audit.Passed) return Task.FromResult(false);
        metrics.UpdatesRejected.Add(1);
        bool banned = _audits.Refused(t, audit);
        if (_async is null && _round is { } r && r.Refuse(t)) StartClose(r);
        else t.State = TaskState.Rejected;
        Pulse();
        workers.Changes.Pulse(); // the next tick invites a replacement
        return Task.FromResult(banned);
    }
}
