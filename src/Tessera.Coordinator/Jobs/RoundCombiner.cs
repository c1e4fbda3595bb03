using Tessera.Coordinator.Storage;
using Tessera.Federation;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// How a closing round's counted updates become the one aggregate the server step applies, and what a robust round
/// leaves on disk. A streaming round merges one partial sum per node that folded. A robust round reads every node's
/// spill of the attempt through memory maps (the blob folder is shared by the cluster), narrows it to what the round
/// counted (<see cref="CountedCohort"/>) and runs the job's robust stage (<see cref="RobustStrategy.Aggregate"/>).
/// A round whose updates cannot all be had, or are too few for the rule's f, fails as a lost partial does: the
/// job grain re-runs it, with nothing counted twice.
/// </summary>
public sealed class RoundCombiner(string jobId, JobSetup setup, BlobStore blobs)
{
    /// <summary>Whether the close needs the nodes' partial sums (a robust round reads their spills instead).</summary>
    public bool NeedsPartials => setup.Robust is null;

    public (RoundAggregate Aggregate, IReadOnlyList<UpdateFate>? Fates) Combine(RoundState r, GlobalModel current, IReadOnlyList<RoundPartial>? partials) =>
        setup.Robust is { } robust ? FromSpills(robust, r, current) : (Merge(r, current, partials!), null);

    RoundAggregate Merge(RoundState r, GlobalModel current, IReadOnlyList<RoundPartial> partials)
    {
        var final = setup.Strategy.BeginRound(r.Round, current);
        foreach (var p in partials) final.Merge(p);
        int clients = partials.Sum(p => p.Totals.ClientCount);
        long samples = partials.Sum(p => p.Totals.TotalSamples);
        if (clients != r.Accepted || samples != r.Samples)
            throw new PartialLostException($"the nodes' partials hold {clients} updates ({samples} samples) but the round accepted {r.Accepted} ({r.Samples} samples)");
        return final.Finish();
    }

    (RoundAggregate, IReadOnlyList<UpdateFate>) FromSpills(RobustStrategy robust, RoundState r, GlobalModel current)
    {
        if (robust.Pipeline.Momentum?.Store is MomentumFiles momenta) momenta.At = (jobId, r.Round);
        using var spilled = SpilledUpdateSet.OpenFolder(blobs.SpillFolder(jobId, r.Round, r.Attempt), current.Length);
        var (cohort, why) = CountedCohort.Of(spilled, r.Contributors);
        if (cohort is null) throw new PartialLostException($"the spill files of round {r.Round}: {why}");
        try
        {
            var result = robust.Aggregate(r.Round, current, cohort);
            return (new RoundAggregate(r.Round, result.Delta, cohort.Count, r.Samples), result.Fates);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Too few updates for the rule's f (workers dropped out before the deadline): re-run the round rather than fail the job.
            throw new PartialLostException($"round {r.Round} closed with {cohort.Count} updates, too few for {robust.Pipeline.Name}: {e.Message}");
        }
    }

    /// <summary>The round committed: its spills are read no more.</summary>
    public void Closed(RoundState r)
    {
        if (setup.Robust is not null) blobs.DropSpill(jobId, r.Round, r.Attempt);
    }

    /// <summary>The round is re-run: its spills, and the momenta its close may have written, must never be read.</summary>
    public void Abandoned(int round, int? attempt = null)
    {
        if (setup.Robust is null) return;
        if (attempt is { } a) blobs.DropSpill(jobId, round, a);
        else blobs.DropSpills(jobId);
        blobs.DropMomenta(jobId, round);
    }
}
