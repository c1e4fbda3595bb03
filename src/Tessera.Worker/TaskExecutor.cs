using System.Diagnostics;
using Tessera.Data;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Tessera.Runtime;

namespace Tessera.Worker;

/// <summary>The outcome of one task, ready to upload.</summary>
/// <param name="Flat">A secure round's task: the whole update as one vector, to be masked (Body is then empty: nothing goes out in the clear).</param>
/// <param name="ControlDelta">SCAFFOLD in a secure round: Δc_i, masked beside <paramref name="Flat"/>.</param>
public sealed record TaskOutcome(byte[] Body, double MeanLoss, double SamplesPerSecond, float[]? Flat = null, long Samples = 0, int Steps = 0, float[]? ControlDelta = null);

/// <summary>SCAFFOLD: the downloaded c and c_i files (safetensors shaped like the weights).</summary>
public sealed record ControlVariateFiles(byte[] Server, byte[] Client);

/// <summary>
/// Runs one task: load the global weights into a (cached) trainer for the artifact, train K steps on the
/// task's data (<see cref="TaskTraining"/>, the routine the coordinator replays for audits), and encode
/// weights-after minus weights-before as a safetensors update with its commitment chain
/// (for SCAFFOLD, corrected by c − c_i and followed by the control variate delta Δc_i).
/// </summary>
public sealed class TaskExecutor(RuntimeOptions runtime) : IDisposable
{
    string? _trainerSha;
    Trainer? _trainer;
    readonly UpdateEncoder _encoder = new();

    /// <summary>FedBN: this worker's own BatchNorm tensors per job, trained from and kept across tasks.</summary>
    public LocalTensorStore LocalTensors { get; } = new();

    public TaskOutcome Run(TaskMessage task, string workerId, Artifact artifact, byte[] weightsFile, Dataset data, Action<int, int>? progress, ControlVariateFiles? controls = null,
        EvaluationReport? evaluation = null)
    {
        if (_trainerSha != artifact.Sha256)
        {
            // One ORT session per artifact, reused across rounds: creating it costs far more than a round's setup.
            _trainer?.Dispose();
            _trainer = null;
            _trainer = new Trainer(artifact, Template(artifact.Manifest), runtime);
            _trainerSha = artifact.Sha256;
        }
        var trainer = _trainer!;
        var global = LocalTensors.StartFrom(task.JobId, artifact.Manifest, ReadWeights(weightsFile, artifact.Manifest));
        ParameterSet? c = null, ci = null;
        if (controls is not null)
        {
            c = ReadWeights(controls.Server, artifact.Manifest);
            ci = ReadWeights(controls.Client, artifact.Manifest);
        }
        // A verification task commits under the task and worker it re-runs, so an honest re-run reproduces their chain.
        var recipe = new TaskRecipe(task.Verifies?.TaskId ?? task.TaskId, task.Verifies?.WorkerId ?? workerId, task.Version, task.Epochs, task.Steps, task.Seed, task.Hyperparameters, task.CommitEvery);
        var watch = Stopwatch.StartNew();
        var trained = TaskTraining.Run(trainer, global, data, recipe, c is null ? null : (c, ci!), progress);
        var result = trained.Result;
        var hp = Runtime.Hyperparameters.FromNamed(task.Hyperparameters);
        double sps = result.Samples / Math.Max(1e-6, watch.Elapsed.TotalSeconds);

        var after = LocalTensors.Keep(task.JobId, artifact.Manifest, trained.After, global);   // FedBN: zero delta for local tensors
        var tensors = new List<Protocol.NamedTensor>();
        var deltas = new List<float[]>();
        for (int i = 0; i < after.Tensors.Count; i++)
        {
            var a = after.Tensors[i];
            var b = global.Tensors[i];
            var delta = new float[a.Values.Length];
            System.Numerics.Tensors.TensorPrimitives.Subtract(a.Values, b.Values, delta);
            // A diverged update would be refused by the coordinator anyway; say why here, where the cause is known.
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(delta))
                throw new TrainingDivergedException($"training diverged: parameter '{a.Name}' holds NaN or infinite values after {result.Steps} steps (is the learning rate {hp.LearningRate:G3} too high?)");
            deltas.Add(delta);
        }
        if (task.SecureAggregation is not null)
        {
            var flat = deltas.SelectMany(d => d).ToArray();
            float[]? dc = c is not null && ci is not null ? Federation.Strategies.ScaffoldClient.Update(ci.Flatten(), c.Flatten(), flat, result.Steps, hp.LearningRate).ControlDelta : null;
            return new TaskOutcome([], result.MeanLoss, sps, flat, result.Samples, result.Steps, dc);
        }
        // Local DP: the update is clipped and noised here, before it is encoded or leaves the device.
        if (task.Privacy is { } privacy)
            Federation.Privacy.LocalPrivacy.PrivatizeInPlace(deltas, privacy.Clip, privacy.NoiseMultiplier, Federation.Privacy.GaussianNoise.Unpredictable());
        for (int i = 0; i < after.Tensors.Count; i++)
            tensors.AddRange(_encoder.Encode(task.JobId, task.Upload, after.Tensors[i].Name, after.Tensors[i].Shape, deltas[i]));
        if (c is not null && ci is not null) tensors.AddRange(ControlDelta(deltas, c, ci, result.Steps, hp.LearningRate));
        var envelope = new UpdateEnvelope
        {
            TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = result.Samples, Steps = result.Steps,
            LossTrace = result.Losses, Commitment = trained.Chain.Head, Checkpoints = trained.Chain.Checkpoints, SamplesPerSecond = sps,
            Evaluation = evaluation,
        };
        var metadata = UpdateEncoder.WithEncoding(envelope.ToMetadata(), task.Upload);
        return new TaskOutcome(new SafetensorsFile(tensors, metadata).ToBytes(), result.MeanLoss, sps);
    }

    /// <summary>Δc_i per parameter, named with the control-delta prefix (SCAFFOLD option II, as the simulator computes it).</summary>
    static IEnumerable<Protocol.NamedTensor> ControlDelta(List<float[]> deltas, ParameterSet c, ParameterSet ci, int steps, float lr)
    {
        var flat = deltas.SelectMany(d => d).ToArray();
        var (_, dc) = Federation.Strategies.ScaffoldClient.Update(ci.Flatten(), c.Flatten(), flat, steps, lr);
        int offset = 0;
        foreach (var p in ci.Tensors)
        {
            yield return Protocol.NamedTensor.FromFloats(ControlVariateTensors.DeltaPrefix + p.Name, p.Shape, dc[offset..(offset + p.Values.Length)]);
            offset += p.Values.Length;
        }
    }

    static ParameterSet Template(ArtifactManifest m) =>
        new(m.Parameters.Select(p => new Graphs.Training.NamedTensor(p.Name, p.Shape, new float[Graphs.Shapes.Numel(p.Shape)])));

    /// <summary>A flat vector (a worker's own c_i) as a file shaped like the artifact's weights.</summary>
    public static byte[] WeightsFile(ArtifactManifest m, float[] flat)
    {
        var tensors = new List<Protocol.NamedTensor>();
        int offset = 0;
        foreach (var p in m.Parameters)
        {
            int n = (int)Graphs.Shapes.Numel(p.Shape);
            tensors.Add(Protocol.NamedTensor.FromFloats(p.Name, p.Shape, flat[offset..(offset + n)]));
            offset += n;
        }
        return new SafetensorsFile(tensors).ToBytes();
    }

    /// <summary>Reads a weights file in the artifact's parameter order, checking names and shapes.</summary>
    public static ParameterSet ReadWeights(byte[] bytes, ArtifactManifest m)
    {
        var file = SafetensorsFile.Read(bytes);
        return new ParameterSet(m.Parameters.Select(p =>
        {
            var t = file[p.Name];
            if (!t.Shape.SequenceEqual(p.Shape)) throw new FormatException($"weights tensor '{p.Name}' has shape [{string.Join(",", t.Shape)}], the artifact expects [{string.Join(",", p.Shape)}]");
            return new Graphs.Training.NamedTensor(p.Name, p.Shape, t.ToFloatArray());
        }));
    }

    public void Dispose() => _trainer?.Dispose();
}

/// <summary>Local training produced non-finite weights; the task cannot yield a valid update.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
