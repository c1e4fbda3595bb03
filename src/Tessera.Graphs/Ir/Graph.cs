namespace Tessera.Graphs;

/// <summary>An ONNX graph in memory: nodes in topological order, typed inputs/outputs, and named constant initializers.</summary>
public sealed class Graph
{
    public string Name { get; set; }
    public List<Node> Nodes { get; } = new();
    public List<ValueInfo> Inputs { get; } = new();
    public List<ValueInfo> Outputs { get; } = new();
    /// <summary>Initializers in insertion order (which is serialization order, so output is deterministic).</summary>
    public Dictionary<string, TensorData> Initializers { get; } = new();

    public Graph(string name) => Name = name;

    public Graph Clone()
    {
        var g = new Graph(Name);
        foreach (var n in Nodes)
        {
            var c = new Node(n.OpType, n.Inputs, n.Outputs, n.Name) { Domain = n.Domain };
            foreach (var (k, v) in n.Attributes) c.Attributes[k] = v is Graph sub ? sub.Clone() : v;
            g.Nodes.Add(c);
        }
        g.Inputs.AddRange(Inputs);
        g.Outputs.AddRange(Outputs);
        foreach (var (k, v) in Initializers) g.Initializers[k] = v;
        return g;
    }

    /// <summary>Every value name defined in this graph (inputs, initializers, node outputs).</summary>
    public HashSet<string> DefinedNames()
    {
        var names = new HashSet<string>(Inputs.Select(i => i.Name));
        names.UnionWith(Initializers.Keys);
        foreach (var n in Nodes) names.UnionWith(n.Outputs.Where(o => o.Length > 0));
        return names;
    }

    public Node? Producer(string value) => Nodes.FirstOrDefault(n => n.Outputs.Contains(value));
}
