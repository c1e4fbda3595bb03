using Tessera.Graphs.Training;

namespace Tessera.Federation.Personalization;

/// <summary>
/// Where a model's client-local tensors (FedBN: its BatchNorm layers) lie in the flat weight vector federation
/// folds, and the few operations on those ranges: blank them out of an update, take a client's own values out of
/// its weights, put them back in. Pure; shared by the simulator's clients, the worker and the server step.
/// </summary>
public sealed class LocalTensors
{
    readonly (int Offset, int Length)[] _ranges;

    LocalTensors(IReadOnlyList<string> names, (int, int)[] ranges, int modelLength)
    {
        Names = names;
        _ranges = ranges;
        ModelLength = modelLength;
        Count = ranges.Sum(r => r.Item2);
    }

    /// <summary>The local tensors' names, in parameter order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>Values in the local ranges together (the length of <see cref="Extract"/>'s result).</summary>
    public int Count { get; }
    public int ModelLength { get; }

    /// <param name="parameters">Every tensor of the flat vector in its order (a manifest's parameters).</param>
    /// <param name="local">The names among them that stay on the client; each must be one of <paramref name="parameters"/>.</param>
    public static LocalTensors From(IReadOnlyList<TensorSpec> parameters, IReadOnlyList<string> local)
    {
        var wanted = local.ToHashSet(StringComparer.Ordinal);
        var ranges = new List<(int, int)>();
        var names = new List<string>();
        int offset = 0;
        foreach (var p in parameters)
        {
            int length = checked((int)Graphs.Shapes.Numel(p.Shape));
            if (wanted.Remove(p.Name)) { ranges.Add((offset, length)); names.Add(p.Name); }
            offset += length;
        }
        if (wanted.Count > 0) throw new ArgumentException($"local tensor '{wanted.First()}' is not a parameter of the model");
        return new LocalTensors(names, ranges.ToArray(), offset);
    }

    /// <summary>The BatchNorm layers of <paramref name="model"/>, laid out as its <see cref="TrainableModel.InitialParameters"/>.</summary>
    public static LocalTensors BatchNormOf(TrainableModel model) =>
        From(model.Trainable.Concat(model.Buffers).Select(p => new TensorSpec(p, model.Forward.Initializers[p].Shape)).ToList(),
            BatchNormLayers.LocalTensors(model));

    public bool Contains(string name) => Names.Contains(name);

    /// <summary>Zeroes the local ranges of a model-sized vector (an update the server must not take those entries from).</summary>
    public void Clear(Span<float> vector)
    {
        RequireModelSized(vector.Length);
        foreach (var (o, n) in _ranges) vector.Slice(o, n).Clear();
    }

    /// <summary>The local ranges of <paramref name="weights"/>, packed together.</summary>
    public float[] Extract(ReadOnlySpan<float> weights)
    {
        RequireModelSized(weights.Length);
        var packed = new float[Count];
        int at = 0;
        foreach (var (o, n) in _ranges) { weights.Slice(o, n).CopyTo(packed.AsSpan(at)); at += n; }
        return packed;
    }

    /// <summary>Writes packed local values (from <see cref="Extract"/>) into the local ranges of <paramref name="weights"/>.</summary>
    public void Overlay(Span<float> weights, ReadOnlySpan<float> packed)
    {
        RequireModelSized(weights.Length);
        if (packed.Length != Count) throw new ArgumentException($"expected {Count} local values, got {packed.Length}");
        int at = 0;
        foreach (var (o, n) in _ranges) { packed.Slice(at, n).CopyTo(weights.Slice(o, n)); at += n; }
    }

    /// <summary>Copies the local ranges of <paramref name="source"/> into <paramref name="target"/>.</summary>
    public void CopyRanges(ReadOnlySpan<float> source, Span<float> target)
    {
        RequireModelSized(source.Length);
        RequireModelSized(target.Length);
        foreach (var (o, n) in _ranges) source.Slice(o, n).CopyTo(target.Slice(o, n));
    }

    void RequireModelSized(int length)
    {
        if (length != ModelLength) throw new ArgumentException($"expected a model-sized vector of {ModelLength} values, got {length}");
    }
}
