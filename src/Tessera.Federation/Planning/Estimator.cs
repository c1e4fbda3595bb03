using Tessera.Federation.Trust;
using Tessera.Protocol.Jobs;

namespace Tessera.Federation.Planning;

/// <summary>
/// Cost and time of a job before it runs. Tasks are sized by the coordinator's rules (JobGrain.CreateTask): epochs ×
/// ⌈samples / batch⌉ steps, capped by local.max_steps and by the worker's speed × deadline / 2; rounds invite the
/// clients ClientSelector would. Training FLOPs are the artifact's FLOPs per sample × those assigned samples exactly;
/// the ETA is <see cref="EtaModel"/>'s Monte Carlo. Pure: the caller supplies the FLOP counts, shards and pool.
/// </summary>
public static class Estimator
{
    /// <summary>A worker's held-out split next to its training data, as a share of the training data (20% held out of the whole).</summary>
    const double HeldOutPerTrained = JobDatasets.HoldOutShare / (1 - JobDatasets.HoldOutShare);

    public static JobEstimate Estimate(EstimateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var spec = input.Spec;
        if (spec.Local.BatchSize <= 0) throw new JobSpecException("local.batch_size", "an estimate needs a batch size (full-batch jobs are not served by the coordinator)");
        var pool = Eligible(input);
        bool isAsync = spec.Strategy.Name == "fedbuff";
        double deadline = spec.DeadlineSeconds ?? input.DefaultDeadlineSeconds;
        var samples = pool.Select(w => (long)StepsFor(spec, w.Samples, w.Worker.SamplesPerSecond, deadline) * spec.Local.BatchSize).ToArray();
        // Without a pool the speed cap is unknown: size tasks by the epoch rule over the shards alone.
        if (samples.Length == 0) samples = Fallback(input).Select(s => (long)StepsFor(spec, s, 0, deadline) * spec.Local.BatchSize).ToArray();
        double perTask = samples.Length == 0 ? 0 : samples.Average();

        int n = pool.Count > 0 ? pool.Count : spec.Data.Clients;
        int tasksPerRound = isAsync ? spec.Strategy.BufferSize : Invited(spec, n);
        long tasks = (long)spec.Rounds * tasksPerRound;
        long trainingSamples = (long)Math.Round(tasks * perTask);
        double training = (double)input.TrainingFlopsPerSample * trainingSamples;

        int evaluated = Enumerable.Range(1, spec.Rounds).Count(r => r % spec.EvalEvery == 0 || r == spec.Rounds);
        double evaluation = (double)input.ForwardFlopsPerSample * input.TestSamples * (spec.Evaluation.OnCoordinator ? evaluated : 0)
            + FederatedEvaluation(input, pool, tasksPerRound, isAsync);

        // Each worker's expected audited share over the tasks it will get; an honest pool is assumed.
        int perWorker = (int)Math.Min(5000, Math.Ceiling((double)tasks / Math.Max(1, n)));
        double audit = AuditPolicy.ExpectedAuditShare(perWorker, spec.Verification);

        var eta = EtaModel.Run(input, pool.Select((w, i) => new EtaModel.Runner(w.Worker, samples[i])).ToList(), tasksPerRound, isAsync);
        return new JobEstimate
        {
            Rounds = spec.Rounds, Workers = pool.Count, TasksPerRound = tasksPerRound, StepsPerTask = perTask / spec.Local.BatchSize,
            TrainingSamples = trainingSamples, TrainingFlops = training, EvaluationFlops = evaluation, VerificationFlops = audit * training, AuditShare = audit,
            Credits = training / 1e9, EtaP50Seconds = eta.P50, EtaP90Seconds = eta.P90, Stalled = eta.Stalled,
        };
    }

    /// <summary>Optimizer steps of one task, as the coordinator sizes it.</summary>
    public static int StepsFor(JobSpec spec, int samples, double samplesPerSecond, double deadlineSeconds)
    {
        int batch = spec.Local.BatchSize;
        int steps = spec.Local.Epochs * Math.Max(1, (samples + batch - 1) / batch);
        if (spec.Local.MaxSteps is { } cap) steps = Math.Min(steps, cap);
        // Slow and fast workers finish inside the deadline together: at most half of it at the worker's speed.
        if (samplesPerSecond > 0) steps = Math.Clamp((int)(samplesPerSecond * deadlineSeconds * 0.5 / batch), 1, steps);
        return steps;
    }

    /// <summary>Clients a round invites out of <paramref name="available"/> (ClientSelector's rule).</summary>
    public static int Invited(JobSpec spec, int available)
    {
        if (available <= 0) return 0;
        int target = spec.ClientsPerRound ?? (int)Math.Ceiling(spec.Fraction * available - 1e-9);
        target = Math.Min(Math.Max(target, spec.MinClients), available);
        return Math.Min(available, (int)Math.Ceiling(spec.OverSelection * target - 1e-9));
    }

    /// <summary>Workers that can take the job's tasks, each with the samples it trains on (its shard, or its own data).</summary>
    static List<(EstimatedWorker Worker, int Samples)> Eligible(EstimateInput input)
    {
        var list = new List<(EstimatedWorker, int)>();
        var spec = input.Spec;
        foreach (var w in input.Workers)
        {
            // A worker with no speed yet still gets tasks (sized by the epoch rule); the ETA gives it the pool's median.
            if (spec.Requirements.MinSamplesPerSecond > 0 && w.SamplesPerSecond < spec.Requirements.MinSamplesPerSecond) continue;
            if (spec.Data.OnWorkers)
            {
                if (w.LocalSamples is > 0 and var local) list.Add((w, local));
            }
            else if (input.ShardSamples.Count > 0) list.Add((w, input.ShardSamples[list.Count % input.ShardSamples.Count]));
        }
        return list;
    }

    static IEnumerable<int> Fallback(EstimateInput input) =>
        input.ShardSamples.Count > 0 ? input.ShardSamples : input.Workers.Select(w => w.LocalSamples ?? 0).Where(s => s > 0);

    /// <summary>Tasks of every federated_every-th round also evaluate their base model on the worker's held-out split.</summary>
    static double FederatedEvaluation(EstimateInput input, List<(EstimatedWorker Worker, int Samples)> pool, int tasksPerRound, bool isAsync)
    {
        var spec = input.Spec;
        int every = spec.Evaluation.FederatedEvery;
        if (every <= 0 || !spec.Data.OnWorkers || isAsync || pool.Count == 0) return 0;
        int rounds = Enumerable.Range(1, spec.Rounds).Count(r => r - 1 > 0 && (r - 1) % every == 0);
        return (double)input.ForwardFlopsPerSample * pool.Average(p => p.Samples) * HeldOutPerTrained * tasksPerRound * rounds;
    }
}
