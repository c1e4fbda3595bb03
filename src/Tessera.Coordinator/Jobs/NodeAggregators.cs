using System.Collections.Concurrent;
using System.Diagnostics;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Federation;
using Tessera.Federation.Async;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// The Aggregator role: this node's in-process aggregators, one per open round of each job (keyed by job, round
/// and attempt) and one FedBuff buffer per asynchronous job. Uploads that land at this node are folded here, as
/// they arrive (O(model) memory per round, not O(clients × model)); tensors never travel through grain messages.
/// The job grain claims a task before the fold and is told about it after (ids and counts, and which node folded),
/// and at round close takes the partial sum of every node that folded (<see cref="Cluster.INodePartials"/>).
/// </summary>
public sealed class NodeAggregators(Store store, CoordinatorMetrics metrics)
{
    readonly ConcurrentDictionary<(string Job, int Round, int Attempt), RoundSlot> _rounds = new();
    readonly ConcurrentDictionary<string, AsyncBuffer> _async = new(StringComparer.Ordinal);
    readonly Lock _opening = new();

    sealed class RoundSlot(IRoundAggregator aggregator)
    {
        public readonly Lock Gate = new();
        public readonly IRoundAggregator Aggregator = aggregator;
    }

    /// <summary>
    /// Folds a validated update into this node's aggregator of the round (job, round, attempt). The first upload of a
    /// round at this node opens it (<paramref name="begin"/>); the grain never has to tell every node a round opened.
    /// Aggregators of the job's earlier rounds or attempts are dropped then: their round closed or was re-run.
    /// </summary>
    public void Fold(string jobId, int round, int attempt, Func<IRoundAggregator> begin, ClientUpdate update)
    {
        var key = (jobId, round, attempt);
        if (!_rounds.TryGetValue(key, out var slot))
        {
            // One aggregator per slot: GetOrAdd may run its factory twice under a race, and a spill file must be opened once.
            lock (_opening)
            {
                if (!_rounds.TryGetValue(key, out slot)) _rounds[key] = slot = new RoundSlot(begin());
            }
            foreach (var old in _rounds.Keys.Where(k => k.Job == jobId && (k.Round, k.Attempt).CompareTo((round, attempt)) < 0).ToList())
                Remove(old);
        }
        lock (slot.Gate)
        {
            var watch = Stopwatch.StartNew();
            slot.Aggregator.Fold(update);
            metrics.FoldMs.Record(watch.Elapsed.TotalMilliseconds);
        }
        metrics.UpdatesFolded.Add(1);
    }

    /// <summary>At round close: this node's partial sum (the grain merges one per node that folded); the slot is gone afterwards.</summary>
    public RoundPartial? TakePartial(string jobId, int round, int attempt)
    {
        if (!_rounds.TryRemove((jobId, round, attempt), out var slot)) return null;
        lock (slot.Gate)
        {
            // A robust round's slot holds no sum, only its open spill file (the grain reads the files themselves).
            if (slot.Aggregator is SpilledRoundAggregator spilled) { spilled.Dispose(); return null; }
            return slot.Aggregator.TakePartial();
        }
    }

    /// <summary>Drops a slot; one that holds a file (a robust round's spill) closes it.</summary>
    void Remove((string Job, int Round, int Attempt) key)
    {
        if (!_rounds.TryRemove(key, out var slot)) return;
        lock (slot.Gate) (slot.Aggregator as IDisposable)?.Dispose();
    }

    /// <summary>Drops every aggregator of the job (round abandoned, job cancelled or the grain re-activated).</summary>
    public void Drop(string jobId)
    {
        foreach (var key in _rounds.Keys.Where(k => k.Job == jobId).ToList()) Remove(key);
        _async.TryRemove(jobId, out _);
    }

    // ---------------------------------------------------------------- asynchronous jobs (FedBuff)

    /// <summary>A FedBuff job's buffer at this node: folds with staleness weighting and steps every buffer_size uploads.</summary>
    public sealed class AsyncBuffer(FedBuffAggregator fedBuff, int lastStep)
    {
        /// <summary>The job's last server step (rounds): an upload that would fold past it is refused.</summary>
        internal readonly int LastStep = lastStep;
        internal readonly Lock Gate = new();
        internal readonly FedBuffAggregator FedBuff = fedBuff;
        internal readonly List<float> Losses = [];
        internal long Samples;
        internal int Updates;
        internal DateTimeOffset Started = DateTimeOffset.UtcNow;
        internal readonly ConcurrentDictionary<int, (GlobalModel Model, RoundRow Row)> Steps = new();

        public long Version { get { lock (Gate) return FedBuff.Current.Version; } }
        public int Buffered { get { lock (Gate) return FedBuff.Buffered; } }
        public int BufferSize => FedBuff.BufferSize;
    }

    public AsyncBuffer OpenAsync(string jobId, FedBuffAggregator fedBuff, int lastStep) => _async[jobId] = new AsyncBuffer(fedBuff, lastStep);

    public AsyncBuffer? Async(string jobId) => _async.GetValueOrDefault(jobId);

    /// <summary>
    /// Records and folds an update of an asynchronous job under the buffer's lock, so the update is credited under
    /// exactly the step its buffer produces. Returns the step taken by this fold, if any (its model and row wait
    /// in <see cref="TakeStep"/> for the grain to record).
    /// </summary>
    public int? FoldAsync(string jobId, string taskId, string workerId, ClientUpdate update, string commitment, long bytes, IEnumerable<float> losses)
    {
        var buffer = _async.GetValueOrDefault(jobId) ?? throw new InvalidOperationException($"no buffer for job {jobId} at this node");
        lock (buffer.Gate)
        {
            int step = (int)buffer.FedBuff.Current.Version + 1;
            // The grain checked this at the claim, but concurrent claims can all pass before the last step is taken.
            if (step > buffer.LastStep)
                throw new Api.UploadRejectedException(409, $"job {jobId} has taken its last server step ({buffer.LastStep}); the update is not counted");
            store.AcceptUpdate(taskId, jobId, step, workerId, update.SampleCount, update.LocalSteps, commitment, bytes);
            buffer.Losses.AddRange(losses.Where(float.IsFinite));
            buffer.Samples += update.SampleCount;
            buffer.Updates++;
            var watch = Stopwatch.StartNew();
            bool stepped = buffer.FedBuff.Fold(update);
            metrics.FoldMs.Record(watch.Elapsed.TotalMilliseconds);
            metrics.UpdatesFolded.Add(1);
            if (!stepped) return null;
            var model = buffer.FedBuff.Current;
            var row = new RoundRow
            {
                JobId = jobId, Round = (int)model.Version, Updates = buffer.Updates, Samples = buffer.Samples,
                TrainLoss = buffer.Losses.Count > 0 ? buffer.Losses.Average() : null, AggregationMs = watch.Elapsed.TotalMilliseconds,
                DurationSeconds = (DateTimeOffset.UtcNow - buffer.Started).TotalSeconds,
            };
            buffer.Losses.Clear();
            buffer.Samples = 0;
            buffer.Updates = 0;
            buffer.Started = DateTimeOffset.UtcNow;
            buffer.Steps[(int)model.Version] = (model, row);
            return (int)model.Version;
        }
    }

    /// <summary>One member of a secure buffer as the coordinator learns it: its task, worker, samples, steps, masked bytes and mean loss.</summary>
    public readonly record struct MaskedMember(string TaskId, string WorkerId, long Samples, int Steps, long Bytes, double MeanLoss);

    /// <summary>
    /// Applies a secure buffer's unmasked mean (FedBuff under secure aggregation: <see cref="FedBuffAggregator.ApplyMaskedBuffer"/>)
    /// and records its survivors under the step it produces, under the buffer's lock as <see cref="FoldAsync"/> does.
    /// Returns that step, or why the buffer is not applied (too stale, or past the last step); nothing is recorded then.
    /// </summary>
    public (int? Step, string? Refused) StepMasked(string jobId, IReadOnlyList<MaskedMember> members, RoundAggregate mean, long baseVersion)
    {
        var buffer = _async.GetValueOrDefault(jobId) ?? throw new InvalidOperationException($"no buffer for job {jobId} at this node");
        lock (buffer.Gate)
        {
            int step = (int)buffer.FedBuff.Current.Version + 1;
            if (step > buffer.LastStep) return (null, $"job {jobId} has taken its last server step ({buffer.LastStep})");
            var watch = Stopwatch.StartNew();
            try { buffer.FedBuff.ApplyMaskedBuffer(mean, baseVersion); }
            catch (InvalidUpdateException e) { return (null, e.Message); }
            foreach (var m in members) store.AcceptUpdate(m.TaskId, jobId, step, m.WorkerId, m.Samples, m.Steps, "", m.Bytes);
            metrics.FoldMs.Record(watch.Elapsed.TotalMilliseconds);
            metrics.UpdatesFolded.Add(members.Count);
            var model = buffer.FedBuff.Current;
            var losses = members.Select(m => m.MeanLoss).Where(double.IsFinite).ToList();
            buffer.Steps[step] = (model, new RoundRow
            {
                JobId = jobId, Round = step, Updates = members.Count, Samples = members.Sum(m => m.Samples),
                TrainLoss = losses.Count > 0 ? losses.Average() : null,
                AggregationMs = watch.Elapsed.TotalMilliseconds, DurationSeconds = (DateTimeOffset.UtcNow - buffer.Started).TotalSeconds,
            });
            buffer.Started = DateTimeOffset.UtcNow;
            return (step, null);
        }
    }

    public (GlobalModel Model, RoundRow Row)? TakeStep(string jobId, int step) =>
        _async.GetValueOrDefault(jobId) is { } b && b.Steps.TryRemove(step, out var s) ? s : null;
}
