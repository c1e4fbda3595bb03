namespace Tessera.Graphs;

/// <summary>
/// Static types and shapes of every value in a graph, plus the values of small integer tensors that can be
/// folded at compile time (shape computations feeding Reshape, Expand, Slice...). Training artifacts are
/// compiled for a fixed batch size, so shapes are concrete; -1 appears only for truly dynamic extents
/// (such as a Loop's trip count).
/// </summary>
public sealed class ShapeInference
{
    readonly Dictionary<string, (DType Type, long[] Shape)> _info = new();
    readonly Dictionary<string, TensorData> _constants = new();
    readonly ShapeInference? _outer;

    ShapeInference(ShapeInference? outer) => _outer = outer;

    public static ShapeInference Run(Graph graph, ShapeInference? outerScope = null)
    {
        var s = new ShapeInference(outerScope);
        foreach (var i in graph.Inputs) s._info[i.Name] = (i.Type, i.Shape);
        foreach (var (name, t) in graph.Initializers)
        {
            s._info[name] = (t.Type, t.Shape);
            if (t.Type == DType.Int64 && t.ElementCount <= 64) s._constants[name] = t;
        }
        foreach (var n in graph.Nodes)
        {
            try { ShapeRules.Infer(s, n); }
            catch (Exception e) when (e is not UnsupportedOpException and not ShapeInferenceException)
            {
                var why = e.Message.StartsWith(n.Describe(), StringComparison.Ordinal) ? e.Message[n.Describe().Length..].TrimStart(':', ' ') : e.Message;
                throw new ShapeInferenceException($"{n.Describe()}: shape inference failed: {why}", e);
            }
        }
        return s;
    }

    public bool Knows(string value) => _info.ContainsKey(value) || (_outer?.Knows(value) ?? false);

    public DType Type(string value) => Lookup(value).Type;
    public long[] Shape(string value) => Lookup(value).Shape;
    public int Rank(string value) => Shape(value).Length;

    (DType Type, long[] Shape) Lookup(string value) =>
        _info.TryGetValue(value, out var i) ? i
        : _outer is not null && _outer.Knows(value) ? _outer.Lookup(value)
        : throw new KeyNotFoundException($"no type known for value '{value}'");

    /// <summary>The folded value of a small constant integer tensor, or null.</summary>
    public TensorData? Value(string value) =>
        _constants.TryGetValue(value, out var t) ? t : _outer?.Value(value);

    public long[] RequireInts(string value, Node node) =>
        Value(value)?.ToLongs() ?? throw new InvalidOperationException(
            $"{node.Describe()}: input '{value}' must be a compile-time constant");

    internal void Set(string value, DType type, long[] shape)
    {
        if (value.Length > 0) _info[value] = (type, shape);
    }

    internal void SetConstant(string value, TensorData t)
    {
        _info[value] = (t.Type, t.Shape);
        if (t.ElementCount <= 64 && t.Type is DType.Int64 or DType.Bool) _constants[value] = t;
    }

    public static ShapeInference ForSubgraph(ShapeInference outer, Graph body) => Run(body, outer);
}

public sealed class UnsupportedOpException(string message) : Exception(message);

/// <summary>A model whose shapes do not work out (for example constants that assume another batch size), naming the node.</summary>
public sealed class ShapeInferenceException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
