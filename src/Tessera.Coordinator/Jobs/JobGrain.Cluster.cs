using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Tessera.Coordinator.Cluster;
using Tessera.Federation;
using Tessera.Federation.Rounds.Lifecycle;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The multi-node part of closing a round: every node that folded an accepted update hands over its partial sum,
/// and a round whose partials cannot all be had (the node died) is re-run as a new attempt. Its updates were never
/// credited (credits are written only in the closing transaction), so re-running loses no credited work and counts
/// nothing twice.
/// </summary>
public sealed partial class JobGrain
{
    static readonly TimeSpan PartialTimeout = TimeSpan.FromSeconds(30);

    static List<SiloAddress> FoldingNodes(RoundState r, params TaskState[] states) =>
        r.Tasks.Values.Where(t => t.Node is not null && states.Contains(t.State)).Select(t => t.Node!).Distinct().ToList();

    /// <summary>A node that claimed or folded updates of this round and has since been declared dead by the cluster.</summary>
    SiloAddress? LostNode(RoundState r) =>
        FoldingNodes(r, TaskState.Folding, TaskState.Accepted).FirstOrDefault(n => !n.Equals(_local) && membership.CurrentSnapshot.GetSiloStatus(n) == SiloStatus.Dead);

    /// <summary>One partial per node that folded, this node's taken directly; a missing one fails the close.</summary>
    async Task<IReadOnlyList<RoundPartial>> GatherPartials(RoundState r, List<SiloAddress> folded)
    {
        var result = new List<RoundPartial>();
        foreach (var node in folded)
        {
            PartialPayload? payload;
            if (node.Equals(_local)) payload = nodes.TakePartial(Id, r.Round, r.Attempt) is { } p ? PartialPayload.From(p) : null;
            else
            {
                try { payload = await partials.Take(node, Id, r.Round, r.Attempt).WaitAsync(PartialTimeout); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new PartialLostException($"node {node} did not hand over its partial ({e.GetType().Name}: {e.Message})");
                }
            }
            result.Add(payload?.ToPartial() ?? throw new PartialLostException($"node {node} no longer holds its partial of round {r.Round} attempt {r.Attempt}"));
        }
        return result;
    }

    /// <summary>
    /// Abandons the round's attempt (tasks void, uncredited update records dropped) and lets the next tick open the
    /// round again as a new attempt, with whichever workers are live then.
    /// </summary>
    void Rerun(RoundState r, string why)
    {
        log.LogWarning("job {Job} round {Round} attempt {Attempt} is re-run: {Why}", Id, r.Round, r.Attempt, why);
        store.AbandonOpenRound(Id, r.Round);
        foreach (var t in r.Tasks.Values) t.State = TaskState.Expired;
        Discard(r);
        _combiner.Abandoned(r.Round, r.Attempt);
        _round = null;
        _waitingSince = DateTimeOffset.UtcNow;
        metrics.RoundsRerun.Add(1);
    }

    /// <summary>Frees the round's partial sums at every node still up (they are not merged).</summary>
    void Discard(RoundState r)
    {
        foreach (var node in FoldingNodes(r, TaskState.Folding, TaskState.Accepted, TaskState.Expired))
        {
            if (node.Equals(_local)) nodes.TakePartial(Id, r.Round, r.Attempt);
            else if (membership.CurrentSnapshot.GetSiloStatus(node) != SiloStatus.Dead)
                _ = partials.Take(node, Id, r.Round, r.Attempt).ContinueWith(t => t.Exception, TaskScheduler.Default); // best effort
        }
    }
}

/// <summary>A partial sum that should be merged at round close cannot be had; the round is re-run.</summary>
public sealed class PartialLostException(string message) : Exception(message);
