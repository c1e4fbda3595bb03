namespace Tessera.Graphs;

/// <summary>
/// One ONNX operator application. Attribute values are long, float, string, long[], float[], string[], TensorData or Graph.
/// An empty input name means "optional input not given", as in ONNX.
/// </summary>
public sealed class Node
{
    public string OpType { get; }
    public string Name { get; set; }
    public string Domain { get; set; } = "";
    public List<string> Inputs { get; }
    public List<string> Outputs { get; }
    public Dictionary<string, object> Attributes { get; } = new();

    public Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name = "")
    {
        OpType = opType;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Name = name;
    }

    public Node With(string attribute, object value)
    {
        Attributes[attribute] = value switch
        {
            int i => (long)i,
            double d => (float)d,
            int[] ia => ia.Select(v => (long)v).ToArray(),
            _ => value,
        };
        return this;
    }

    public bool Has(string attribute) => Attributes.ContainsKey(attribute);
    public long Int(string attribute, long fallback) => Attributes.TryGetValue(attribute, out var v) ? (long)v : fallback;
    public float Float(string attribute, float fallback) => Attributes.TryGetValue(attribute, out var v) ? (float)v : fallback;
    public string Str(string attribute, string fallback) => Attributes.TryGetValue(attribute, out var v) ? (string)v : fallback;
    public long[]? Ints(string attribute) => Attributes.TryGetValue(attribute, out var v) ? (long[])v : null;
    public Graph? Subgraph(string attribute) => Attributes.TryGetValue(attribute, out var v) ? (Graph)v : null;

    /// <summary>Input i, or null when absent or empty (optional inputs).</summary>
    public string? Input(int i) => i < Inputs.Count && Inputs[i].Length > 0 ? Inputs[i] : null;

    /// <summary>"node '/l/Conv' (Conv)": how every error about a node starts.</summary>
    public string Describe() => $"node '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault())}' ({OpType})";
}
