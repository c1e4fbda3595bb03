namespace Tessera.Protocol.Jobs;

/// <summary>
/// What secure aggregation and differential privacy ask of the rest of a spec. Each refusal is one line naming both
/// settings, so a combination that cannot keep its promise never starts.
/// </summary>
internal static class PrivacyRules
{
    public static void Check(JobSpec spec)
    {
        var p = spec.Privacy;
        var a = spec.Strategy.Aggregator;
        if (p.SecureAggregation is { } secure) CheckSecure(spec, secure);
        if (p.SecureAggregation is not null && !a.IsPlainMean)
            throw new JobSpecException("privacy.secure_aggregation", $"cannot be used with strategy.aggregator {Describe(a)}: secure aggregation reveals only the sum, " +
                "and that rule needs the individual updates (bound each update on the client instead: privacy.dp.clip)");
        if (p.SecureAggregation is not null && spec.Verification.Enabled)
            throw new JobSpecException("verification.replay", "privacy.secure_aggregation hides each update, and an audit compares the update with its replay; use replay: off");
        if (p.Dp is not { } dp) return;
        if (dp.Mode == DpSpec.Distributed && p.SecureAggregation is null)
            throw new JobSpecException("privacy.dp.mode", "distributed noise is added in shares by the clients and needs privacy.secure_aggregation: true to hide each share");
        if (dp.Mode == DpSpec.Distributed && dp.AdaptiveClip is not null)
            throw new JobSpecException("privacy.dp.adaptive_clip", "with mode distributed the clients would have to noise the count of clipped updates too, which is not built; use mode central (the server noises the unmasked sum) or a fixed clip");
        if (!a.IsPlainMean)
            throw new JobSpecException("privacy.dp", $"cannot be used with strategy.aggregator {Describe(a)}: DP-FedAvg's noise is calibrated to a mean of clipped updates, where one client moves the result by at most C/m");
        string? why = spec.Strategy.Name switch
        {
            "fednova" => "fednova weights each update by its local steps, so one client's influence on the round is not bounded by the clip",
            "scaffold" => "scaffold's control variates carry each client's gradients next to its delta, unclipped and unnoised",
            "fedbuff" => "fedbuff applies buffers of stale updates with no round cohort the accountant could sample",
            "fedsgd" => null,
            _ => null,
        };
        if (why is not null)
            throw new JobSpecException("privacy.dp", $"cannot be used with strategy.name {spec.Strategy.Name}: {why}");
        if (spec.ClientsPerRound is null)
            throw new JobSpecException("clients_per_round", "privacy.dp needs it: the noise is scaled by the expected cohort size, which must not depend on who turned up");
        if (spec.OverSelection > 1)
            throw new JobSpecException("over_selection", "privacy.dp counts the first results of a larger cohort, a choice by speed that amplification by sampling does not cover; use 1");
        if (dp.Mode != DpSpec.Central && spec.Verification.Enabled)
            throw new JobSpecException("verification.replay", $"privacy.dp.mode {dp.Mode} adds noise on the worker, which no replay can reproduce; use replay: off");
        if (dp.Mode == DpSpec.Local && dp.AdaptiveClip is not null)
            throw new JobSpecException("privacy.dp.adaptive_clip", "needs a server that counts clipped updates; mode local has each client clip for itself");
    }

    /// <summary>A secure round is one fixed cohort of at least 3 that masks together; what cannot fit that is refused here.</summary>
    static void CheckSecure(JobSpec spec, SecureAggregationSpec secure)
    {
        const string Path = "privacy.secure_aggregation";
        string? why = spec.Strategy.Name switch
        {
            "fedsgd" => "the coordinator does not serve full-batch jobs",
            _ => null,
        };
        if (why is not null) throw new JobSpecException(Path, $"cannot be used with strategy.name {spec.Strategy.Name}: {why}");
        // FedBuff masks each buffer of K together: its cohort is buffer_size, and clients_per_round only caps how many train at once.
        bool buffered = spec.Strategy.Name == "fedbuff";
        var (cohortField, cohort) = buffered ? ("strategy.buffer_size", (int?)spec.Strategy.BufferSize) : ("clients_per_round", spec.ClientsPerRound);
        if (cohort is not >= 3)
            throw new JobSpecException(cohortField, $"{Path} needs a fixed cohort of at least 3 (clients mask in pairs; two could unmask each other)" +
                (buffered ? "; with fedbuff each buffer of buffer_size updates is one cohort" : ""));
        if (buffered && spec.ClientsPerRound is { } concurrency && concurrency < cohort)
            throw new JobSpecException("clients_per_round", $"{Path} with fedbuff masks each buffer of {cohort} together, so at least {cohort} clients must train at once (clients_per_round {concurrency})");
        if (spec.OverSelection > 1)
            throw new JobSpecException("over_selection", $"{Path} masks one fixed cohort: clients past the quorum could not be left out without unmasking them; use 1");
        int n = cohort.Value;
        int b = secure.Bits + (int)Math.Ceiling(Math.Log2(n)) + 1;
        if (b > 32)
            throw new JobSpecException($"{Path}.bits", $"{secure.Bits} bits for {n} clients {(buffered ? "per buffer" : "per round")} need a {b}-bit modulus; the most is 32 (use at most {31 - (int)Math.Ceiling(Math.Log2(n))})");
        if (secure.Neighbours is { } k && k > n - 1)
            throw new JobSpecException($"{Path}.neighbours", $"{k} neighbours of {n} clients {(buffered ? "per buffer" : "per round")}: a client has at most {n - 1}");
        if (secure.Clip is not null && spec.Privacy.Dp is not null)
            throw new JobSpecException($"{Path}.clip", "with privacy.dp the bound is privacy.dp.clip; give it there");
    }

    static string Describe(AggregatorSpec a) => a.Name != AggregatorSpec.Mean ? a.Name : a.Momentum is not null ? "momentum" : "pre";
}
