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

    /// <summary>
    /// Reorders nodes so each comes after the producers of its inputs, keeping the existing order wherever
    /// it is already valid (so passes may append or splice nodes freely and sort once at the end).
    /// Values not produced by a node here (inputs, initializers, outer scope) are available from the start.
    /// </summary>
    public void SortTopologically()
    {
        var producer = new Dictionary<string, int>();
        for (int i = 0; i < Nodes.Count; i++)
            foreach (var o in Nodes[i].Outputs.Where(o => o.Length > 0)) producer[o] = i;
        var waiting = new int[Nodes.Count];
        var consumers = Nodes.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < Nodes.Count; i++)
        {
            foreach (var p in Inputs(Nodes[i]).Distinct())
                if (producer.TryGetValue(p, out var j) && j != i) { waiting[i]++; consumers[j].Add(i); }
        }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < Nodes.Count; i++) if (waiting[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(Nodes.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(Nodes[i]);
            foreach (var c in consumers[i]) if (--waiting[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != Nodes.Count) throw new InvalidOperationException($"graph '{Name}' has a cycle");
        Nodes.Clear();
        Nodes.AddRange(order);

        // A node's subgraphs may read values of this graph, so those count as its inputs too.
        static IEnumerable<string> Inputs(Node n) =>
            n.Inputs.Where(i => i.Length > 0).Concat(n.Attributes.Values.OfType<Graph>().SelectMany(g => g.FreeValues()));
    }

    /// <summary>Values a graph reads without defining them (from an enclosing scope).</summary>
    public IEnumerable<string> FreeValues()
    {
        var defined = DefinedNames();
        return Nodes.SelectMany(n => n.Inputs.Where(i => i.Length > 0)
            .Concat(n.Attributes.Values.OfType<Graph>().SelectMany(g => g.FreeValues()))).Where(i => !defined.Contains(i)).Distinct();
    }
}
