namespace Tessera.Graphs.Autodiff;

/// <summary>
/// What a gradient rule sees: the builder to emit backward nodes into, static shapes of forward values,
/// the incoming gradient of each output, and a sink for the gradients of its inputs.
/// </summary>
public sealed class GradientContext
{
    readonly Dictionary<string, List<string>> _contributions = new();
    readonly Dictionary<string, string> _summed = new();
    readonly HashSet<string> _requiresGrad;

    public GraphBuilder B { get; }
    public ShapeInference Shapes { get; }

    internal GradientContext(GraphBuilder builder, ShapeInference shapes, HashSet<string> requiresGrad)
    {
        B = builder;
        Shapes = shapes;
        _requiresGrad = requiresGrad;
    }

    public long[] Shape(string value) => Shapes.Shape(value);
    public int Rank(string value) => Shapes.Rank(value);
    public DType Type(string value) => Shapes.Type(value);

    /// <summary>True when a gradient must flow into this input (it depends on a trainable value and is float).</summary>
    public bool Needs(string? input) => input is not null && _requiresGrad.Contains(input);

    /// <summary>The total gradient reaching a value, or null when nothing downstream depends on it.</summary>
    public string? Grad(string value)
    {
        if (_summed.TryGetValue(value, out var s)) return s;
        if (!_contributions.TryGetValue(value, out var list) || list.Count == 0) return null;
        s = list.Count == 1 ? list[0] : B.Op("Sum", list.ToArray());
        _summed[value] = s;
        return s;
    }

    /// <summary>The gradient of an output, or zeros of its shape when it has none (multi-output ops).</summary>
    public string GradOrZeros(string value) => Grad(value) ?? Zeros(value);

    public string Zeros(string likeValue) =>
        B.Op("ConstantOfShape", [B.Ints(Shape(likeValue))], ("value", TensorData.FromFloats([1], [0f])));

    /// <summary>Adds a gradient contribution for an input; contributions from several consumers are summed.</summary>
    public void Accumulate(string? input, string grad)
    {
        if (!Needs(input)) return;
        if (_summed.ContainsKey(input!))
            throw new InvalidOperationException($"gradient of '{input}' was read before all its consumers contributed");
        if (!_contributions.TryGetValue(input!, out var list)) _contributions[input!] = list = new();
        list.Add(grad);
    }

    /// <summary>
    /// Reduces a gradient computed at a broadcast result shape back to an operand's shape:
    /// sums over the axes the operand was broadcast along, then reshapes to it.
    /// </summary>
    public string Unbroadcast(string grad, string operand, long[] gradShape)
    {
        var target = Shape(operand);
        if (global::Tessera.Graphs.Shapes.Same(target, gradShape)) return grad;
        var axes = global::Tessera.Graphs.Shapes.BroadcastAxes(target, gradShape);
        var reduced = axes.Length > 0 ? B.ReduceSum(grad, axes, keepDims: true) : grad;
        return B.Reshape(reduced, target);
    }
}
