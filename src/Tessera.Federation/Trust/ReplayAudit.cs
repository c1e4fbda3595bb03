using Tessera.Protocol.Wire;

namespace Tessera.Federation.Trust;

/// <summary>
/// Judges a claimed update against the coordinator's replay of the same task (same artifact, base weights,
/// shard, batch order, seed and hyperparameters). The distance is measured relative to the size of the update,
/// not of the weights, so a free rider (zero update), a skipped half of the steps, the wrong shard, a stale base
/// or a scaled or random update all land far above the failing distance, while honest float noise across runtimes
/// stays near 1e-4 with rare outliers below it (docs/TRUST.md has the calibration). Pure: no I/O.
/// </summary>
public static class ReplayAudit
{
    public static AuditVerdict Judge(ReadOnlySpan<float> claimed, ReadOnlySpan<float> replayed, double tolerance, double failAbove,
        string claimedHead, string replayedHead)
    {
        if (claimed.Length != replayed.Length)
            return new AuditVerdict(AuditOutcome.Failed, double.PositiveInfinity, false, $"the update has {claimed.Length} values, the replay {replayed.Length}");
        double diff = 0, norm = 0, claimedNorm = 0;
        for (int i = 0; i < claimed.Length; i++)
        {
            double d = (double)claimed[i] - replayed[i];
            diff += d * d;
            norm += (double)replayed[i] * replayed[i];
            claimedNorm += (double)claimed[i] * claimed[i];
        }
        bool chain = string.Equals(claimedHead, replayedHead, StringComparison.OrdinalIgnoreCase);
        if (norm == 0)
        {
            // Training that moved nothing (every gradient zero) is honest only if the claim is zero too.
            return claimedNorm == 0 ? new AuditVerdict(AuditOutcome.Passed, 0, chain, null)
                : new AuditVerdict(AuditOutcome.Failed, double.PositiveInfinity, chain, "the replay's update is zero but the claimed one is not");
        }
        double relative = Math.Sqrt(diff / norm);
        if (relative <= tolerance) return new AuditVerdict(AuditOutcome.Passed, relative, chain, null);
        if (relative <= failAbove)
            return new AuditVerdict(AuditOutcome.Inconclusive, relative, chain,
                $"the update is {relative:G3} of its size away from the replay, above the tolerance {tolerance:G3} but not above {failAbove:G3}");
        string why = claimedNorm == 0 ? "the update is zero (no training)"
            : $"the update is {relative:G3} of its size away from the replay (fails above {failAbove:G3}; its norm is {Math.Sqrt(claimedNorm / norm):G3}× the replay's)";
        return new AuditVerdict(AuditOutcome.Failed, relative, chain, why);
    }

    /// <summary>Whether the claimed links chain to the claimed head for this task and worker (checked before any audit is drawn).</summary>
    public static string? CheckChain(string taskId, string workerId, long baseVersion, int steps, int commitEvery, string head, IReadOnlyList<WeightCheckpoint> links)
    {
        if (links.Count == 0) return "the upload carries no commitment checkpoints";
        var expected = CommitmentChain.Schedule(steps, commitEvery).ToList();
        if (!links.Select(l => l.Step).SequenceEqual(expected))
            return $"checkpoints are at steps [{string.Join(", ", links.Select(l => l.Step).Take(8))}{(links.Count > 8 ? ", ..." : "")}], a task of {steps} steps commits after every {commitEvery} and the last";
        return CommitmentChain.HeadOf(taskId, workerId, baseVersion, links) == head.ToLowerInvariant() ? null
            : "the commitment does not chain from its checkpoints for this task and worker";
    }
}
