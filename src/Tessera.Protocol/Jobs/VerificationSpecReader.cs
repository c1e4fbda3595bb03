namespace Tessera.Protocol.Jobs;

/// <summary>
/// Reads the `verification:` section. Replay is on by default for coordinator-served shards and off where no replay
/// could reproduce the work; asking for it there is refused, not ignored.
/// </summary>
internal static class VerificationSpecReader
{
    public static VerificationSpec Read(SpecReader v, DataSpec data, UploadSpec upload)
    {
        var spec = new VerificationSpec
        {
            // Work no replay can reproduce (data on the workers, top-k's error feedback) is unverifiable unless the spec insists.
            Replay = v.String("replay", data.OnWorkers || upload.Codec == Wire.UploadEncoding.TopK ? VerificationSpec.Off : VerificationSpec.Coordinator, VerificationSpec.Replayers)!,
            TrustedAfter = v.Int("trusted_after", 10, 0, 1_000_000_000)!.Value,
            MinRate = v.Double("min_rate", 0.05, 0, 1, exclusiveMin: true)!.Value,
            Tolerance = v.Double("tolerance", 1e-2, 0, 1, exclusiveMin: true)!.Value,
            FailAbove = v.Double("fail_above", 0.25, 0, 1, exclusiveMin: true)!.Value,
            InconclusiveLimit = v.Int("inconclusive_limit", 3, 1, 1000)!.Value,
            CommitEvery = v.Int("commit_every", 50, 1, 1_000_000)!.Value,
            GrantAfterRounds = v.Int("grant_after_rounds", 2, 0, 1000)!.Value,
            CpuShare = v.Double("cpu_share", 0.5, 0, 1, exclusiveMin: true)!.Value,
            Quorum = v.Int("quorum", 1, 1, 9)!.Value,
        };
        v.RejectUnknown();
        if (spec.Quorum != 1 && spec.Replay != VerificationSpec.Workers)
            throw new JobSpecException("verification.quorum", $"only applies to replay: workers (this job's replay is {spec.Replay})");
        if (spec.FailAbove < spec.Tolerance)
            throw new JobSpecException("verification.fail_above", $"{spec.FailAbove:G3} is below verification.tolerance ({spec.Tolerance:G3}); failing must need at least the distance passing allows");
        if (data.OnWorkers && spec.Enabled)
            throw new JobSpecException("verification.replay", "data on the workers (data.on_workers) cannot be replayed; its credit is unverifiable (use replay: off)");
        if (upload.Codec == Wire.UploadEncoding.TopK && spec.Enabled)
            throw new JobSpecException("verification.replay", "upload.codec topk carries error feedback between tasks that a replay cannot know; use verification.replay: off or another codec");
        return spec;
    }
}
