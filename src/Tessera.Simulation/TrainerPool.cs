using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Simulation;

/// <summary>
/// Reusable Trainers (ONNX Runtime sessions plus native weight buffers), at most <see cref="Capacity"/> alive:
/// memory follows the number of clients training at once, not the number registered. A Trainer is keyed by
/// the batch size its artifact was compiled for; when a new size is needed and the pool is full, an idle
/// Trainer of another size is disposed to make room.
/// </summary>
public sealed class TrainerPool : IDisposable
{
    readonly ArtifactCache _artifacts;
    readonly ParameterSet _initial;
    readonly RuntimeOptions _runtime;
    readonly Dictionary<int, Stack<Trainer>> _idle = new();
    readonly Lock _gate = new();
    int _live;

    public TrainerPool(ArtifactCache artifacts, ParameterSet initial, int capacity, RuntimeOptions runtime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _artifacts = artifacts;
        _initial = initial;
        _runtime = runtime;
        Capacity = capacity;
    }

    public int Capacity { get; }
    /// <summary>The compiled training artifacts the pool's trainers run.</summary>
    public ArtifactCache Artifacts => _artifacts;
    /// <summary>Trainers constructed so far (reuse keeps this at the worker count for single-batch-size jobs).</summary>
    public int Created { get; private set; }
    /// <summary>Most Trainers alive at once; never above <see cref="Capacity"/>.</summary>
    public int PeakLive { get; private set; }

    public Trainer Rent(int batchSize)
    {
        var artifact = _artifacts.For(batchSize);   // compile outside the lock
        lock (_gate)
        {
            if (_idle.TryGetValue(batchSize, out var same) && same.Count > 0) return same.Pop();
            if (_live >= Capacity)
            {
                var victim = _idle.FirstOrDefault(kv => kv.Value.Count > 0).Value
                    ?? throw new InvalidOperationException($"all {Capacity} trainers are in use; rent at most one per worker");
                victim.Pop().Dispose();
                _live--;
            }
            _live++;
            Created++;
            PeakLive = Math.Max(PeakLive, _live);
        }
        return new Trainer(artifact, _initial, _runtime);
    }

    public void Return(Trainer trainer)
    {
        lock (_gate)
        {
            int batch = trainer.Manifest.BatchSize;
            if (!_idle.TryGetValue(batch, out var stack)) _idle[batch] = stack = new Stack<Trainer>();
            stack.Push(trainer);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var t in _idle.Values.SelectMany(s => s)) t.Dispose();
            _idle.Clear();
            _live = 0;
        }
    }
}
