namespace Tessera.Coordinator.Storage;

// Rows as stored; Dapper maps snake_case columns onto these (MatchNamesWithUnderscores).

public sealed class JobRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Spec { get; set; } = "";
    public string Status { get; set; } = "";
    public string JoinToken { get; set; } = "";
    /// <summary>Global version = completed rounds; a checkpoint exists for it.</summary>
    public long Version { get; set; }
    public string Created { get; set; } = "";
    public string? Error { get; set; }
    /// <summary>The estimate made at creation, as JSON (Jobs.JobEstimateView).</summary>
    public string? Estimate { get; set; }
}

public sealed class RoundRow
{
    public string JobId { get; set; } = "";
    public int Round { get; set; }
    public int Attempt { get; set; }
    public string Status { get; set; } = "";
    public long Version { get; set; }
    public string Started { get; set; } = "";
    public string? Closed { get; set; }
    public int Updates { get; set; }
    public long Samples { get; set; }
    public double? TrainLoss { get; set; }
    public double? TestLoss { get; set; }
    public double? TestAccuracy { get; set; }
    public double? AggregationMs { get; set; }
    public double? DurationSeconds { get; set; }
    /// <summary>Federated evaluation of the model this round started from (the previous round's), on workers' held-out data.</summary>
    public double? FedLoss { get; set; }
    public double? FedAccuracy { get; set; }
    public long? FedSamples { get; set; }
    /// <summary>Other metrics as JSON: the coordinator-side test set's (auc, f1, mse, mae, perplexity) and the federated ones (fed_ prefix).</summary>
    public string? Metrics { get; set; }

    /// <summary>Robust aggregation: updates the rule left out of the round's aggregate, and updates it scaled down (clipped).</summary>
    public int? Excluded { get; set; }
    public int? Clipped { get; set; }
    /// <summary>What the robust rule did to each counted update (written to the fates table with the round); not a column.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Federation.Robust.UpdateFate>? Fates { get; private set; }

    public void RecordFates(IReadOnlyList<Federation.Robust.UpdateFate>? fates)
    {
        if (fates is null) return;
        Fates = fates;
        Excluded = fates.Count(f => f.Excluded);
        Clipped = fates.Count(f => !f.Excluded && f.Scale < 1);
    }

    /// <summary>Takes the coordinator-side metrics beyond accuracy and the round's federated evaluation.</summary>
    /// <param name="privacy">A private round: ε after it (epsilon), its bound (dp_clip), the noise on the mean (dp_noise_std), adaptive clipping's noised b̄ (dp_unclipped).</param>
    public void Record(IReadOnlyDictionary<string, double>? test, Federation.Evaluation.FederatedEvaluation? federated,
        (Federation.Privacy.PrivateRound Round, Federation.Privacy.Accounting.PrivacySpent Spent)? privacy = null)
    {
        if (federated is { Samples: > 0 }) (FedLoss, FedAccuracy, FedSamples) = (federated.Loss, federated.Accuracy, federated.Samples);
        var all = new Dictionary<string, double>(Federation.Evaluation.FederatedEvaluation.Combine(test, federated));
        if (privacy is var (round, spent))
        {
            all["epsilon"] = spent.Epsilon;
            all["dp_clip"] = round.Clip;
            all["dp_noise_std"] = round.NoiseStd;
            if (round.UnclippedFraction is { } b) all["dp_unclipped"] = b;
        }
        Metrics = all.Count > 0 ? System.Text.Json.JsonSerializer.Serialize(all) : null;
    }
}

public sealed class WorkerRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public string? ScopeJob { get; set; }
    public string Capabilities { get; set; } = "";
    /// <summary>The speed the worker claims (at join, then with each upload).</summary>
    public double Speed { get; set; }
    /// <summary>The coordinator's smoothed measurement (<see cref="Workers.WorkerSpeed"/>); null until a task came back.</summary>
    public double? MeasuredSpeed { get; set; }
    /// <summary>The same measurement in FLOP/s of the tasks' artifacts, which carries over between models.</summary>
    public double? MeasuredFlops { get; set; }
    public string Joined { get; set; } = "";
}

public sealed class LedgerRow
{
    public long Seq { get; set; }
    public string JobId { get; set; } = "";
    public int Round { get; set; }
    public string WorkerId { get; set; } = "";
    public string TaskId { get; set; } = "";
    public long Samples { get; set; }
    public double Credits { get; set; }
    public string At { get; set; } = "";
    /// <summary>pending, granted, revoked or unverifiable (Federation.Trust.CreditRule); null on entries older than statuses (granted).</summary>
    public string? Status { get; set; }
    public string? Reason { get; set; }
}

/// <summary>
/// A contributor's credit (GFLOP of assigned training) by status; <see cref="Credits"/> is what is granted.
/// Updates and samples count the entries neither revoked nor held (held: left out after an inconclusive audit).
/// </summary>
public sealed record LedgerTotal(string WorkerId, string Name, long Updates, long Samples, double Granted, double Pending, double Revoked, double Unverifiable, double Held = 0)
{
    public double Credits => Granted;
}

/// <summary>One task's ledger entry: what it earned, its status, and why it was revoked.</summary>
public sealed record LedgerEntry(string JobId, int Round, string WorkerId, string TaskId, long Samples, double Credits, string Status, string? Reason, string At);

/// <summary>One replayed task: its outcome, how far the claim was from the replay, whether the chains agreed bit for bit, how long it took.</summary>
public sealed record AuditRow(string TaskId, string JobId, int Round, string WorkerId, string Outcome, double? RelativeError, bool ChainMatches,
    double ReplayMs, string? Runtime, string? Reason)
{
    public const string PassedOutcome = "passed";
    public const string InconclusiveOutcome = "inconclusive";
    public const string FailedOutcome = "failed";
    public bool Passed => Outcome == PassedOutcome;
}

/// <summary>What a round's robust aggregator did to one worker's update: its share of the aggregate, the factor it was scaled by, whether it was left out, and why.</summary>
public sealed record FateRow(string JobId, int Round, string WorkerId, double Share, double Scale, bool Excluded, string? Why);
