namespace Tessera.Graphs;

/// <summary>
/// Appends nodes to a graph with fresh, deterministic value names, and offers the handful of ops
/// the compiler emits most as one-liners. Constants become Constant nodes and are shared by value.
/// </summary>
public sealed class GraphBuilder
{
    public Graph Graph { get; }
    readonly HashSet<string> _used;
    readonly Dictionary<string, string> _constants = new();
    readonly string _prefix;
    int _counter;

    /// <param name="reserved">Names already taken elsewhere (for example an enclosing graph's), never reused here.</param>
    public GraphBuilder(Graph graph, string prefix = "t", IEnumerable<string>? reserved = null)
    {
        Graph = graph;
        _prefix = prefix;
        _used = graph.DefinedNames();
        if (reserved is not null) _used.UnionWith(reserved);
    }

    public string Fresh(string hint)
    {
        string name;
        do name = $"{_prefix}/{hint}_{_counter++}"; while (!_used.Add(name));
        return name;
    }

    /// <summary>Claims an exact name (for graph outputs with a contract), failing if it is taken.</summary>
    public string Claim(string name) => _used.Add(name) ? name : throw new InvalidOperationException($"value name '{name}' is already used");

    public Node AddNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params (string Name, object Value)[] attributes)
    {
        var outs = outputs.ToList();
        var node = new Node(opType, inputs, outs, outs[0]);
        foreach (var (k, v) in attributes) node.With(k, v);
        Graph.Nodes.Add(node);
        return node;
    }

    public string Op(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        AddNode(opType, inputs, [Fresh(opType)], attributes).Outputs[0];

    public string Op(string opType, params string[] inputs) => Op(opType, inputs, []);

    public string[] Ops(string opType, string[] inputs, int outputs, params (string Name, object Value)[] attributes) =>
        AddNode(opType, inputs, Enumerable.Range(0, outputs).Select(_ => Fresh(opType)), attributes).Outputs.ToArray();

    // ---- constants -------------------------------------------------------------------------------------------

    public string Const(TensorData t)
    {
        string key = $"{t.Type}|{Shapes.Format(t.Shape)}|{Convert.ToBase64String(t.Bytes)}";
        if (_constants.TryGetValue(key, out var name)) return name;
        name = AddNode("Constant", [], [Fresh("const")], ("value", t)).Outputs[0];
        _constants[key] = name;
        return name;
    }

    public string Scalar(float v) => Const(TensorData.Scalar(v));
    public string ScalarInt(long v) => Const(TensorData.Scalar(v));
    public string Ints(params long[] v) => Const(TensorData.Vector(v));

    // ---- common ops ------------------------------------------------------------------------------------------

    public string Add(string a, string b) => Op("Add", a, b);
    public string Sub(string a, string b) => Op("Sub", a, b);
    public string Mul(string a, string b) => Op("Mul", a, b);
    public string Div(string a, string b) => Op("Div", a, b);
    public string Neg(string a) => Op("Neg", a);
    public string Sqrt(string a) => Op("Sqrt", a);
    public string MatMul(string a, string b) => Op("MatMul", a, b);
    public string Identity(string a) => Op("Identity", a);
    public string Shape(string a) => Op("Shape", a);
    public string Reshape(string a, string shape) => Op("Reshape", a, shape);
    public string Reshape(string a, params long[] shape) => Op("Reshape", a, Ints(shape));
    public string Expand(string a, string shape) => Op("Expand", a, shape);
    public string Transpose(string a, params long[] perm) => Op("Transpose", [a], ("perm", perm));
    public string Cast(string a, DType to) => Op("Cast", [a], ("to", (long)to));
    public string Unsqueeze(string a, params long[] axes) => Op("Unsqueeze", a, Ints(axes));
    public string Squeeze(string a, params long[] axes) => Op("Squeeze", a, Ints(axes));

    public string ReduceSum(string a, long[] axes, bool keepDims) =>
        Op("ReduceSum", [a, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    public string ReduceMean(string a, long[] axes, bool keepDims) =>
        Op("ReduceMean", [a, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    /// <summary>Sum over every element, as a scalar.</summary>
    public string SumAll(string a) => Op("ReduceSum", [a], ("keepdims", 0L));
}
