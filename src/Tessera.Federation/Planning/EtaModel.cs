namespace Tessera.Federation.Planning;

/// <summary>
/// The ETA as a Monte Carlo over rounds (BOINC's runtime estimate, work / (speed × availability), is its mean for
/// one worker). Each worker's presence is a timeline (<see cref="Presence"/>). A synchronous round starts once enough
/// workers are present (waiting for absent ones to come back), invites ClientSelector's count and waits for the
/// slowest invited task; a worker that leaves mid-task costs the coordinator's timeout and, when the quorum needs it,
/// a replacement task; an evaluated round adds the coordinator's evaluation time. FedBuff instead runs every present
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
        // The coordinator evaluates after closing an evaluated round, before the next one starts.
        double evaluation = input.EvaluationSamplesPerSecond > 0 && spec.Evaluation.OnCoordinator ? input.TestSamples / input.EvaluationSamplesPerSecond : 0;
        var presence = pool.Select(r => new Presence(r.Worker.Availability, Absence(input, r), rng)).ToArray();
        double now = 0;
        var up = new List<int>(pool.Count);
        for (int round = 0; round < spec.Rounds; round++)
        {
            Present(presence, now, up);
            if (up.Count < spec.MinClients)
            {
                // The round waits for enough absent workers to come back.
                now = presence.Where(p => !p.IsPresent).Select(p => p.Changes).Order().ElementAt(spec.MinClients - up.Count - 1);
                Present(presence, now, up);
            }
            // Fewer than wanted (or no fixed count): the coordinator waits its selection window first.
            if (spec.ClientsPerRound is null || up.Count < wanted) now += input.SelectionWindowSeconds;
            int target = Math.Min(Math.Max(spec.ClientsPerRound ?? (int)Math.Ceiling(spec.Fraction * up.Count - 1e-9), spec.MinClients), up.Count);
            int invite = Estimator.Invited(spec, up.Count);
            Shuffle(up, invite, rng);
            double close = 0;
            int lost = 0;
            for (int k = 0; k < invite; k++)
            {
                double time = TaskTime(input, pool[up[k]], rng);
                // A worker whose presence ends mid-task loses it: the coordinator gives it up after its timeout.
                if (presence[up[k]].Changes < now + time)
                {
                    time = presence[up[k]].Changes - now + input.WorkerTimeoutSeconds;
                    lost++;
                }
                close = Math.Max(close, time);
            }
            // Lost tasks the quorum needs are handed to other workers once the coordinator gave them up.
            for (int k = 0; k < Math.Min(lost, Math.Max(0, target - (invite - lost))); k++)
                close = Math.Max(close, input.WorkerTimeoutSeconds + TaskTime(input, pool[up[rng.Next(up.Count)]], rng));
            // Past the deadline the round closes with what arrived (an extended deadline is not modelled beyond one).
            if (close > deadline) close = Math.Min(close, 2 * deadline);
            bool evaluated = (round + 1) % spec.EvalEvery == 0 || round + 1 == spec.Rounds;
            now += close + input.RoundOverheadSeconds + (evaluated ? evaluation : 0);
        }
        return now;
    }

    /// <summary>The workers present at <paramref name="time"/>, into <paramref name="up"/>.</summary>
    static void Present(Presence[] presence, double time, List<int> up)
    {
        up.Clear();
        for (int i = 0; i < presence.Length; i++)
        {
            presence[i].At(time);
            if (presence[i].IsPresent) up.Add(i);
        }
    }

    static double AsyncTrial(EstimateInput input, IReadOnlyList<Runner> pool, Random rng)
    {
        var spec = input.Spec;
        long needed = (long)spec.Rounds * spec.Strategy.BufferSize;
        var presence = pool.Select(r => new Presence(r.Worker.Availability, Absence(input, r), rng)).ToArray();
        // Each worker's next moment of being free; an absent one starts when it comes back.
        var next = new PriorityQueue<int, double>();
        for (int i = 0; i < pool.Count; i++) next.Enqueue(i, 0);
        double now = 0;
        for (long done = 0; done < needed;)
        {
            next.TryDequeue(out int i, out now);
            var p = presence[i];
            p.At(now);
            if (!p.IsPresent)
            {
                next.Enqueue(i, p.Changes);
                continue;
            }
            double time = TaskTime(input, pool[i], rng);
            if (p.Changes < now + time) next.Enqueue(i, p.Changes); // left mid-task: lost
            else
            {
                done++;
                next.Enqueue(i, now + time);
            }
        }
        return now + spec.Rounds * input.RoundOverheadSeconds;
    }

    static double Absence(EstimateInput input, Runner r) => r.Worker.MeanAbsenceSeconds ?? input.MeanAbsenceSeconds;

    /// <summary>One task's wall time at the worker's speed, with the log-normal spread.</summary>
    static double TaskTime(EstimateInput input, Runner r, Random rng) =>
        r.TaskSamples / r.Worker.SamplesPerSecond * Math.Exp(input.TaskTimeSigma * Gaussian(rng));

    static void Shuffle(List<int> items, int count, Random rng)
    {
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.Next(items.Count - i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
