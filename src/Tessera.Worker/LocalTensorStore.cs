using System.Numerics.Tensors;
using Tessera.Graphs;
using Tessera.Graphs.Training;

namespace Tessera.Worker;

/// <summary>
/// FedBN on a worker: per job, the values of the tensors the artifact's manifest names as local (its BatchNorm
/// layers), kept from one task to the next. A job's first task starts from the global values; every later one from
/// what the last left, and federated evaluation runs the model with them. Held in memory only: a restarted worker
/// starts again from the global values, as a new client would.
/// </summary>
public sealed class LocalTensorStore
{
    readonly Dictionary<string, Dictionary<string, float[]>> _jobs = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    /// <summary>The weights to train from: <paramref name="global"/> with this worker's own local tensors of the job in place.</summary>
    public ParameterSet StartFrom(string jobId, ArtifactManifest m, ParameterSet global)
    {
        if (m.Local is not { Count: > 0 } local) return global;
        var own = Kept(jobId);
        if (own is null) return global;
        return new ParameterSet(global.Tensors.Select(t =>
            local.Contains(t.Name) && own.TryGetValue(t.Name, out var v) && v.Length == t.Values.Length ? t with { Values = (float[])v.Clone() } : t));
    }

    /// <summary>
    /// Keeps the local tensors of the weights after training and returns those weights with the local tensors reset to
    /// <paramref name="start"/>'s, so the update carries a zero delta for them. Weights that hold non-finite values are
    /// returned as they are and nothing is kept: the caller's divergence check declines the task.
    /// </summary>
    public ParameterSet Keep(string jobId, ArtifactManifest m, ParameterSet after, ParameterSet start)
    {
        if (m.Local is not { Count: > 0 } local) return after;
        if (after.Tensors.Any(t => !TensorPrimitives.IsFiniteAll<float>(t.Values))) return after;
        var own = after.Tensors.Where(t => local.Contains(t.Name)).ToDictionary(t => t.Name, t => (float[])t.Values.Clone(), StringComparer.Ordinal);
        lock (_gate) _jobs[jobId] = own;
        return new ParameterSet(after.Tensors.Zip(start.Tensors, (a, s) => local.Contains(a.Name) ? a with { Values = (float[])s.Values.Clone() } : a));
    }

    /// <summary>An inference ONNX of the job's global model with this worker's own local tensors as its initializers (unchanged before its first task).</summary>
    public byte[] Personalize(string jobId, byte[] inferenceOnnx)
    {
        var own = Kept(jobId);
        if (own is null) return inferenceOnnx;
        var model = OnnxModel.FromBytes(inferenceOnnx);
        foreach (var (name, values) in own)
        {
            if (!model.Graph.Initializers.TryGetValue(name, out var old) || old.ElementCount != values.Length)
                throw new ArgumentException($"the job's inference model has no tensor '{name}' of {values.Length} values to take this worker's own BatchNorm values");
            model.Graph.Initializers[name] = TensorData.FromFloats(old.Shape, values);
        }
        return model.ToBytes();
    }

    /// <summary>This worker's own local tensors of a job, by name; null before its first task of that job.</summary>
    public IReadOnlyDictionary<string, float[]>? Kept(string jobId)
    {
        lock (_gate) return _jobs.GetValueOrDefault(jobId);
    }
}
