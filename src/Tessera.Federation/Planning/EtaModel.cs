namespace Tessera.Federation.Planning;

/// <summary>
/// The ETA as a Monte Carlo over rounds (BOINC's runtime estimate, work / (speed × availability), is its mean for
/// one worker). A synchronous round starts once enough workers are live (absent ones return after an exponential
/// absence of the worker's observed mean length), invites ClientSelector's count, and waits for the slowest invited task; a worker that leaves mid-task
/// costs the coordinator's timeout and, when the quorum needs it, a replacement task; an evaluated round adds the
/// coordinator's evaluation time. FedBuff instead runs every
/// worker back to back until rounds × buffer updates arrived. Each task's time is samples / speed with a log-normal
/// spread. p50 and p90 are over the trials.
/// </summary>
static class EtaModel
{
    /// <summary>A worker of the pool with the samples each of its tasks trains.</summary>
    public sealed record Runner(EstimatedWorker Worker, long TaskSamples);

    public sealed record Result(double? P50, double? P90, string? Stalled);

    public static Result Run(EstimateInput input, IReadOnlyList<Runner> pool, int tasksPerRound, bool isAsync)
    {
        var spec = input.Spec;
        if (pool.Count == 0) return new(null, null, "no worker of the pool can take this job's tasks");
        if (pool.Count < spec.MinClients) return new(null, null, $"the pool has {pool.Count} workers but min_clients is {spec.MinClients}");
        if (pool.All(r => r.Worker.Availability <= 0)) return new(null, null, "no worker of the pool is ever live (availability 0)");
        var known = pool.Select(r => r.Worker.SamplesPerSecond).Where(s => s > 0 && double.IsFinite(s)).Order().ToArray();
        if (known.Length == 0) return new(null, null, "no worker of the pool has a measured or claimed speed yet");
        double median = known[known.Length / 2];
        pool = pool.Select(r => r.Worker.SamplesPerSecond > 0 ? r : r with { Worker = r.Worker with { SamplesPerSecond = median } }).ToList();
        var rng = new Random(unchecked((int)(spec.Seed ^ (spec.Seed >> 32))));
        long work = (long)spec.Rounds * Math.Max(1, tasksPerRound) * (isAsync ? 1 : pool.Count);
        int trials = (int)Math.Clamp(20_000_000 / Math.Max(1, work), 50, input.Trials);
        var totals = new double[trials];
        for (int t = 0; t < trials; t++)
            totals[t] = isAsync ? AsyncTrial(input, pool, rng) : SyncTrial(input, pool, rng);
        Array.Sort(totals);
        return new(Quantile(totals, 0.5), Quantile(totals, 0.9), null);
    }

    static double SyncTrial(EstimateInput input, IReadOnlyList<Runner> pool, Random rng)
    {
        var spec = input.Spec;
        double deadline = spec.DeadlineSeconds ?? input.DefaultDeadlineSeconds;
        int wanted = Math.Max(spec.ClientsPerRound ?? spec.MinClients, spec.MinClients);
        double total = 0;
        // The coordinator evaluates after closing an evaluated round, before the next one starts.
        double evaluation = input.EvaluationSamplesPerSecond > 0 && spec.Evaluation.OnCoordinator ? input.TestSamples / input.EvaluationSamplesPerSecond : 0;
        var up = new List<int>(pool.Count);
        var away = new List<(double Back, int Worker)>(pool.Count);
        for (int round = 0; round < spec.Rounds; round++)
        {
            up.Clear();
            away.Clear();
            for (int i = 0; i < pool.Count; i++)
                if (rng.NextDouble() < pool[i].Worker.Availability) up.Add(i);
                else away.Add((Exponential(rng, Absence(input, pool[i])), i));
            double wait = 0;
            if (up.Count < spec.MinClients)
            {
                // The round waits for enough absent workers to come back.
                away.Sort();
                var (back, _) = away[spec.MinClients - up.Count - 1];
                up.AddRange(away.Where(a => a.Back <= back).Select(a => a.Worker));
                wait = back;
            }
            // Fewer than wanted (or no fixed count): the coordinator waits its selection window first.
            if (spec.ClientsPerRound is null || up.Count < wanted) wait += input.SelectionWindowSeconds;
            int target = Math.Min(Math.Max(spec.ClientsPerRound ?? (int)Math.Ceiling(spec.Fraction * up.Count - 1e-9), spec.MinClients), up.Count);
            int invite = Estimator.Invited(spec, up.Count);
            Shuffle(up, invite, rng);
            double close = 0;
            int lost = 0;
            for (int k = 0; k < invite; k++)
            {
                var (time, left) = TaskTime(input, pool[up[k]], rng);
                if (left) lost++;
                close = Math.Max(close, time);
            }
            // Lost tasks the quorum needs are handed to other workers once the coordinator gave them up.
            for (int k = 0; k < Math.Min(lost, Math.Max(0, target - (invite - lost))); k++)
            {
                var replacement = pool[up[rng.Next(up.Count)]];
                close = Math.Max(close, input.WorkerTimeoutSeconds + TaskTime(input, replacement, rng).Seconds);
            }
            // Past the deadline the round closes with what arrived (an extended deadline is not modelled beyond one).
            if (close > deadline) close = Math.Min(close, 2 * deadline);
            bool evaluated = (round + 1) % spec.EvalEvery == 0 || round + 1 == spec.Rounds;
            total += wait + close + input.RoundOverheadSeconds + (evaluated ? evaluation : 0);
        }
        return total;
    }

    static double AsyncTrial(EstimateInput input, IReadOnlyList<Runner> pool, Random rng)
    {
        var spec = input.Spec;
        long needed = (long)spec.Rounds * spec.Strategy.BufferSize;
        var next = new PriorityQueue<int, double>();
        for (int i = 0; i < pool.Count; i++)
            next.Enqueue(i, StartDelay(input, pool[i], rng) + TaskTime(input, pool[i], rng).Seconds);
        double now = 0;
        for (long done = 0; done < needed;)
        {
            next.TryDequeue(out int i, out now);
            var (time, left) = TaskTime(input, pool[i], rng);
            if (!left) done++;
            next.Enqueue(i, now + time);
        }
        return now + spec.Rounds * input.RoundOverheadSeconds;
    }

    /// <summary>An absent worker starts when it comes back.</summary>
    static double StartDelay(EstimateInput input, Runner r, Random rng) =>
        rng.NextDouble() < r.Worker.Availability ? 0 : Exponential(rng, Absence(input, r));

    static double Absence(EstimateInput input, Runner r) => r.Worker.MeanAbsenceSeconds ?? input.MeanAbsenceSeconds;

    /// <summary>One task's wall time; when the worker leaves mid-task, the time until the coordinator gives it up.</summary>
    static (double Seconds, bool Left) TaskTime(EstimateInput input, Runner r, Random rng)
    {
        double seconds = r.TaskSamples / r.Worker.SamplesPerSecond * Math.Exp(input.TaskTimeSigma * Gaussian(rng));
        double a = r.Worker.Availability;
        if (a >= 1) return (seconds, false);
        // Presence and absence alternate with means in the ratio a : 1 − a.
        double leaves = Exponential(rng, Absence(input, r) * a / (1 - a));
        return leaves < seconds ? (leaves + input.WorkerTimeoutSeconds, true) : (seconds, false);
    }

    static void Shuffle(List<int> items, int count, Random rng)
    {
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.Next(items.Count - i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    static double Exponential(Random rng, double mean) => -mean * Math.Log(1 - rng.NextDouble());

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
