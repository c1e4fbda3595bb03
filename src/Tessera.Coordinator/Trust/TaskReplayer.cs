using System.Collections.Concurrent;
using System.Diagnostics;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Data;
using Tessera.Federation.Codecs;
using Tessera.Federation.Strategies;
using Tessera.Federation.Trust;
using Tessera.Graphs.Training;
using Tessera.Protocol.Wire;
using Tessera.Runtime;

namespace Tessera.Coordinator.Trust;

/// <summary>
/// The coordinator's own verifier: re-runs an audited task with the same artifact, base weights, shard, batch
/// order, seed and hyperparameters (<see cref="TaskTraining"/>, the routine workers run) and judges the claimed
/// update against it (<see cref="ReplayAudit"/>). Replays share a bounded part of the machine: at most
/// <see cref="CoordinatorOptions.ReplaySlots"/> at once on the node, and per job at most its cpu_share of the
/// cores (the rest wait), each on a cached single-threaded trainer per artifact.
/// </summary>
public sealed class TaskReplayer(BlobStore blobs, CoordinatorOptions options) : IDisposable
{
    readonly SemaphoreSlim _node = new(Math.Max(1, options.ReplaySlots));
    readonly ConcurrentDictionary<string, ConcurrentBag<Trainer>> _trainers = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Dataset> _shards = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>Replays the task and judges <paramref name="claimed"/> (the decoded update) against it.</summary>
    public async Task<(AuditVerdict Verdict, double Milliseconds)> Audit(JobHandle job, TaskInfo task, string workerId, float[] claimed, UpdateEnvelope envelope)
    {
        var spec = job.Setup.Spec.Verification;
        int width = Math.Max(1, (int)Math.Floor(Environment.ProcessorCount * spec.CpuShare));
        var gate = _gates.GetOrAdd(job.Id, _ => new SemaphoreSlim(width));
        await gate.WaitAsync();
        await _node.WaitAsync();
        try
        {
            return await Task.Run(() =>
            {
                var watch = Stopwatch.StartNew();
                var (replayed, head) = Replay(job, task, workerId);
                var verdict = ReplayAudit.Judge(claimed, replayed, spec.Tolerance, spec.FailAbove, envelope.Commitment, head);
                return (verdict, watch.Elapsed.TotalMilliseconds);
            });
        }
        finally { _node.Release(); gate.Release(); }
    }

    /// <summary>The task's update as an honest worker computes it (after − base, in the job's upload encoding) and its commitment head.</summary>
    public (float[] Delta, string Head) Replay(JobHandle job, TaskInfo task, string workerId)
    {
        var setup = job.Setup;
        if (task.Shard is not { } shard) throw new InvalidOperationException($"task {task.Id} trains on the worker's own data; it cannot be replayed");
        var data = _shards.GetOrAdd($"{job.Id}/{shard}", _ => ShardCodec.Decode(blobs.GetOrCreateShard(job.Id, shard, () => ShardCodec.Encode(setup.Train!, setup.Shards[shard]))));
        var baseModel = blobs.LoadCheckpoint(job.Id, task.Version, setup.Template);
        var global = setup.Template.WithValues(baseModel.Weights);
        (ParameterSet, ParameterSet)? controls = null;
        if (setup.UsesControlVariates)
        {
            var c = baseModel.State.Get(Scaffold.ControlVariateKey) ?? new float[setup.Template.Count];
            var ci = new ControlVariateStore(blobs).Load(job.Id, workerId, task.Version, setup.Template);
            controls = (setup.Template.WithValues(c), setup.Template.WithValues(ci));
        }
        var recipe = new TaskRecipe(task.Id, workerId, task.Version, setup.Spec.Local.Epochs, task.Steps, setup.TaskSeed(task),
            setup.TaskHyperparameters(), setup.Spec.Verification.CommitEvery);
        var bag = _trainers.GetOrAdd(setup.Artifact.Sha256, _ => []);
        var trainer = bag.TryTake(out var cached) ? cached : new Trainer(setup.Artifact, setup.Template, new RuntimeOptions { IntraOpThreads = 1 });
        try
        {
            var trained = TaskTraining.Run(trainer, global, data, recipe, controls);
            var after = trained.After.Flatten();
            var delta = new float[after.Length];
            System.Numerics.Tensors.TensorPrimitives.Subtract(after, baseModel.Weights, delta);
            return (UploadCodecs.AsDecoded(delta, setup.Template, setup.Spec.Upload.ForTask()), trained.Chain.Head);
        }
        finally { bag.Add(trainer); }
    }

    public void Dispose()
    {
        foreach (var t in _trainers.Values.SelectMany(b => b)) t.Dispose();
    }
}
