namespace Tessera.Graphs.Training;

/// <summary>A named float tensor held in managed memory.</summary>
public sealed record NamedTensor(string Name, long[] Shape, float[] Values)
{
    public long Count => Values.LongLength;
}

/// <summary>An ordered set of named weight tensors, convertible to and from one flat vector (what federation folds).</summary>
public sealed class ParameterSet
{
    public IReadOnlyList<NamedTensor> Tensors { get; }

    public ParameterSet(IEnumerable<NamedTensor> tensors)
    {
        Tensors = tensors.ToList();
        foreach (var t in Tensors)
            if (Shapes.Numel(t.Shape) != t.Values.LongLength)
                throw new ArgumentException($"parameter '{t.Name}' has shape {Shapes.Format(t.Shape)} but {t.Values.Length} values");
    }

    public long Count => Tensors.Sum(t => t.Count);
    public NamedTensor this[string name] => Tensors.First(t => t.Name == name);

    public float[] Flatten()
    {
        var flat = new float[Count];
        long offset = 0;
        foreach (var t in Tensors) { t.Values.CopyTo(flat, offset); offset += t.Count; }
        return flat;
    }

    /// <summary>A set with this one's names and shapes and the given flat values.</summary>
    public ParameterSet WithValues(ReadOnlySpan<float> flat)
    {
        if (flat.Length != Count) throw new ArgumentException($"expected {Count} values, got {flat.Length}");
        var list = new List<NamedTensor>();
        int offset = 0;
        foreach (var t in Tensors)
        {
            list.Add(t with { Values = flat.Slice(offset, t.Values.Length).ToArray() });
            offset += t.Values.Length;
        }
        return new ParameterSet(list);
    }

    public ParameterSet Clone() => new(Tensors.Select(t => t with { Values = (float[])t.Values.Clone() }));
}
