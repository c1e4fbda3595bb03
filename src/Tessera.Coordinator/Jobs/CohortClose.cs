using Tessera.Coordinator.Storage;
using Tessera.Federation;
using Tessera.Federation.Robust;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The close of a round whose aggregator needs the cohort: every node's spill of the round attempt, read as one set
/// through memory maps, narrowed to exactly the updates the round counted (a fold whose report was refused, say
/// because the round was abandoned meanwhile, stays in a spill file but not in the round), then the job's robust
/// stage (<see cref="RobustPipeline"/>: momentum, pre-aggregation, aggregator). A counted update missing from the
/// spills, or present twice, fails the close as a lost partial does: the round is re-run, nothing counted twice.
/// </summary>
public static class CohortClose
{
    public static (RoundAggregate Aggregate, IReadOnlyList<UpdateFate> Fates) Run(string jobId, RobustStrategy robust, GlobalModel current, string folder,
        int round, IReadOnlySet<string> counted, long samples)
    {
        if (robust.Pipeline.Momentum?.Store is MomentumFiles momenta) momenta.At = (jobId, round);
        using var spilled = SpilledUpdateSet.OpenFolder(folder, current.Length);
        var picked = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < spilled.Count; i++)
        {
            string client = spilled.ClientId(i);
            if (!counted.Contains(client)) continue;
            if (!seen.Add(client)) throw new PartialLostException($"the spill files of round {round} hold two updates of worker {client}");
            picked.Add(i);
        }
        if (picked.Count != counted.Count)
            throw new PartialLostException($"the spill files of round {round} hold {picked.Count} of the {counted.Count} updates it counted");
        IUpdateSet cohort = picked.Count == spilled.Count ? spilled : new UpdateSubset(spilled, picked);
        var previous = robust.Pipeline.Aggregator.UsesPrevious ? current.State.Get(RobustStrategy.PreviousKey) : null;
        RobustAggregate result;
        try { result = robust.Pipeline.Run(cohort, round, previous); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Too few updates for the rule's f (workers dropped out before the deadline): re-run the round rather than fail the job.
            throw new PartialLostException($"round {round} closed with {cohort.Count} updates, too few for {robust.Pipeline.Name}: {e.Message}");
        }
        return (new RoundAggregate(round, result.Delta, cohort.Count, samples), result.Fates);
    }
}
