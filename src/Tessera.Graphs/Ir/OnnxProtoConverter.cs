using Google.Protobuf;
using Tessera.Graphs.Onnx.Proto;

namespace Tessera.Graphs;

/// <summary>Maps the in-memory IR to the ONNX protobuf messages and back.</summary>
internal static class OnnxProtoConverter
{
    public static GraphProto ToProto(Graph g)
    {
        var p = new GraphProto { Name = g.Name };
        foreach (var i in g.Inputs) p.Input.Add(ToProto(i));
        foreach (var o in g.Outputs) p.Output.Add(ToProto(o));
        foreach (var (name, t) in g.Initializers) p.Initializer.Add(ToProto(t, name));
        foreach (var n in g.Nodes)
        {
            var np = new NodeProto { OpType = n.OpType, Name = n.Name, Domain = n.Domain };
            np.Input.AddRange(n.Inputs);
            np.Output.AddRange(n.Outputs);
            foreach (var (k, v) in n.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                np.Attribute.Add(ToProto(k, v));
            p.Node.Add(np);
        }
        return p;
    }

    static ValueInfoProto ToProto(ValueInfo v)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < v.Shape.Length; i++)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (v.Shape[i] >= 0) d.DimValue = v.Shape[i];
            else d.DimParam = v.DimNames?[i] ?? $"d{i}";
            shape.Dim.Add(d);
        }
        return new ValueInfoProto
        {
            Name = v.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)v.Type, Shape = shape } },
        };
    }

    static TensorProto ToProto(TensorData t, string name)
    {
        var p = new TensorProto { Name = name, DataType = (int)t.Type, RawData = ByteString.CopyFrom(t.Bytes) };
        p.Dims.AddRange(t.Shape);
        return p;
    }

    static AttributeProto ToProto(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); break;
            case float[] floats: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(floats); break;
            case string[] strings: a.Type = AttributeProto.Types.AttributeType.Strings; a.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8)); break;
            case TensorData t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = ToProto(t, ""); break;
            case Graph g: a.Type = AttributeProto.Types.AttributeType.Graph; a.G = ToProto(g); break;
            default: throw new NotSupportedException($"attribute '{name}' has unsupported value type {value.GetType().Name}");
        }
        return a;
    }

    public static Graph FromProto(GraphProto p)
    {
        var g = new Graph(p.Name);
        foreach (var i in p.Input) g.Inputs.Add(FromProto(i));
        foreach (var o in p.Output) g.Outputs.Add(FromProto(o));
        foreach (var t in p.Initializer) g.Initializers[t.Name] = FromProto(t);
        // Initializers that are also listed as inputs (older exporters) are constants, not inputs.
        g.Inputs.RemoveAll(i => g.Initializers.ContainsKey(i.Name));
        foreach (var np in p.Node)
        {
            var n = new Node(np.OpType, np.Input, np.Output, np.Name) { Domain = np.Domain };
            foreach (var a in np.Attribute) n.Attributes[a.Name] = FromProto(a, n);
            g.Nodes.Add(n);
        }
        return g;
    }

    static ValueInfo FromProto(ValueInfoProto v)
    {
        var tt = v.Type?.TensorType ?? throw new OnnxFormatException($"value '{v.Name}' is not a tensor");
        var dims = tt.Shape?.Dim ?? new Google.Protobuf.Collections.RepeatedField<TensorShapeProto.Types.Dimension>();
        var shape = dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1).ToArray();
        var names = dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null).ToArray();
        return new ValueInfo(v.Name, (DType)tt.ElemType, shape, names.Any(n => n is not null) ? names : null);
    }

    static TensorData FromProto(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new OnnxFormatException($"tensor '{t.Name}' uses external data, which Tessera does not read; save the model with weights inline");
        var type = (DType)t.DataType;
        var shape = t.Dims.ToArray();
        if (!t.RawData.IsEmpty) return new TensorData(type, shape, t.RawData.ToByteArray());
        return type switch
        {
            DType.Float => TensorData.FromFloats(shape, t.FloatData.ToArray()),
            DType.Int64 => TensorData.FromLongs(shape, t.Int64Data.ToArray()),
            DType.Int32 => new TensorData(DType.Int32, shape, t.Int32Data.SelectMany(BitConverter.GetBytes).ToArray()),
            DType.Bool => new TensorData(DType.Bool, shape, t.Int32Data.Select(v => (byte)(v != 0 ? 1 : 0)).ToArray()),
            DType.Double => new TensorData(DType.Double, shape, t.DoubleData.SelectMany(BitConverter.GetBytes).ToArray()),
            _ => throw new OnnxFormatException($"tensor '{t.Name}' has element type {type} without raw data"),
        };
    }

    static object FromProto(AttributeProto a, Node owner) => a.Type switch
    {
        AttributeProto.Types.AttributeType.Int => a.I,
        AttributeProto.Types.AttributeType.Float => a.F,
        AttributeProto.Types.AttributeType.String => a.S.ToStringUtf8(),
        AttributeProto.Types.AttributeType.Ints => a.Ints.ToArray(),
        AttributeProto.Types.AttributeType.Floats => a.Floats.ToArray(),
        AttributeProto.Types.AttributeType.Strings => a.Strings.Select(v => v.ToStringUtf8()).ToArray(),
        AttributeProto.Types.AttributeType.Tensor => FromProto(a.T),
        AttributeProto.Types.AttributeType.Graph => FromProto(a.G),
        _ => throw new OnnxFormatException($"attribute '{a.Name}' of {owner.Describe()} has unsupported type {a.Type}"),
    };
}
