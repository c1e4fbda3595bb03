using Orleans;
using Orleans.Runtime;
using Tessera.Coordinator.Workers;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// What one node tells a job grain on each tick: the workers live at that node that may serve the job (heard from
/// recently or long-polling there) and those of them that are idle (no open task in any job), with their profiles.
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record NodeView(SiloAddress Node, string[] Live, WorkerProfile[] Idle);

/// <summary>
/// A job grain's cluster-wide view of its workers: the latest <see cref="NodeView"/> of every node, each valid for
/// a short while. A node that stops reporting (killed, partitioned) drops out when its view expires, and with it
/// the liveness of the workers that were connected to it.
/// </summary>
public sealed class Presence(TimeSpan ttl)
{
    readonly Dictionary<SiloAddress, (DateTimeOffset At, NodeView View)> _views = [];

    public void Report(NodeView view) => _views[view.Node] = (DateTimeOffset.UtcNow, view);

    IEnumerable<NodeView> Fresh(SiloAddress? only)
    {
        var cutoff = DateTimeOffset.UtcNow - ttl;
        foreach (var expired in _views.Where(v => v.Value.At < cutoff).Select(v => v.Key).ToList()) _views.Remove(expired);
        return _views.Values.Select(v => v.View).Where(v => only is null || v.Node.Equals(only));
    }

    /// <summary>Live at any node whose view is fresh.</summary>
    public bool IsLive(string workerId) => Fresh(null).Any(v => v.Live.Contains(workerId));

    public int LiveCount => Live().Count;

    /// <summary>Every live worker, once each.</summary>
    public List<string> Live() => Fresh(null).SelectMany(v => v.Live).Distinct().ToList();

    /// <summary>Idle workers of every fresh view (or of one node's), once each, whichever node they last reached.</summary>
    public List<WorkerProfile> Idle(SiloAddress? only = null) =>
        Fresh(only).SelectMany(v => v.Idle).DistinctBy(w => w.Id).ToList();
}
