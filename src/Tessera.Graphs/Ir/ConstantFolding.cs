namespace Tessera.Graphs;

/// <summary>
/// Folding of the small integer and boolean tensors exporters compute shapes with (PyTorch's expand and view
/// write Shape → Gather → Equal → Where → ConstantOfShape → Expand chains). With the batch size fixed at compile
/// time every such chain folds, so Reshape, Expand and friends see constant targets.
/// </summary>
internal static class ConstantFolding
{
    /// <summary>Folds <paramref name="n"/> when all its inputs are known constants; returns whether it did.</summary>
    public static bool TryFold(ShapeInference s, Node n, long[] shape)
    {
        var inputs = n.Inputs.Select(i => i.Length == 0 ? null : s.Value(i)).ToArray();
        if (inputs.Any(v => v is null) || n.Outputs.Count == 0) return false;
        TensorData? r = n.OpType switch
        {
            "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" => Compare(n.OpType, inputs[0]!, inputs[1]!, shape),
            "And" or "Or" or "Xor" => Logic(n.OpType, inputs[0]!, inputs[1]!, shape),
            "Not" when inputs[0]!.Type == DType.Bool => TensorData.FromBools(shape, Bools(inputs[0]!).Select(v => !v).ToArray()),
            "Where" => Where(inputs[0]!, inputs[1]!, inputs[2]!, shape),
            "Expand" when inputs[0]!.Type == DType.Int64 => TensorData.FromLongs(shape, Broadcast(inputs[0]!.ToLongs(), inputs[0]!.Shape, shape)),
            _ => null,
        };
        if (r is null) return false;
        s.SetConstant(n.Outputs[0], r);
        return true;
    }

    /// <summary>ConstantOfShape with an int64 or bool fill (exporters build "ones like the shape" vectors from it).</summary>
    public static TensorData? ConstantOfShape(long[] shape, TensorData value)
    {
        long count = Shapes.Numel(shape);
        if (count > 64) return null;
        return value.Type switch
        {
            DType.Int64 => TensorData.FromLongs(shape, Enumerable.Repeat(value.ToLongs()[0], (int)count).ToArray()),
            DType.Bool => TensorData.FromBools(shape, Enumerable.Repeat(value.Bytes[0] != 0, (int)count).ToArray()),
            _ => null,
        };
    }

    public static TensorData? Range(TensorData start, TensorData limit, TensorData delta)
    {
        if (start.Type != DType.Int64 || limit.Type != DType.Int64 || delta.Type != DType.Int64) return null;
        long a = start.ToLongs()[0], l = limit.ToLongs()[0], d = delta.ToLongs()[0];
        long count = Math.Max(0, (long)Math.Ceiling((l - a) / (double)d));
        if (count > 64) return null;
        return TensorData.FromLongs([count], Enumerable.Range(0, (int)count).Select(i => a + i * d).ToArray());
    }

    static bool[] Bools(TensorData t) => t.Bytes.Select(v => v != 0).ToArray();

    static long[] Broadcast(long[] values, long[] from, long[] to)
    {
        long count = Shapes.Numel(to);
        var result = new long[count];
        var strides = new long[to.Length];
        long stride = 1;
        for (int i = to.Length - 1; i >= 0; i--)
        {
            int j = i - (to.Length - from.Length);
            strides[i] = j >= 0 && from[j] != 1 ? stride : 0;
            if (j >= 0) stride *= from[j];
        }
        for (long k = 0; k < count; k++)
        {
            long rem = k, src = 0;
            for (int i = to.Length - 1; i >= 0; i--) { src += rem % to[i] * strides[i]; rem /= to[i]; }
            result[k] = values[src];
        }
        return result;
    }

    static TensorData? Compare(string op, TensorData a, TensorData b, long[] shape)
    {
        if (a.Type != DType.Int64 || b.Type != DType.Int64) return null;
        var x = Broadcast(a.ToLongs(), a.Shape, shape); var y = Broadcast(b.ToLongs(), b.Shape, shape);
        Func<long, long, bool> f = op switch
        {
            "Equal" => (p, q) => p == q, "Less" => (p, q) => p < q, "Greater" => (p, q) => p > q,
            "LessOrEqual" => (p, q) => p <= q, _ => (p, q) => p >= q,
        };
        return TensorData.FromBools(shape, x.Select((v, i) => f(v, y[i])).ToArray());
    }

    static TensorData? Logic(string op, TensorData a, TensorData b, long[] shape)
    {
        if (a.Type != DType.Bool || b.Type != DType.Bool) return null;
        var x = Broadcast(Bools(a).Select(v => v ? 1L : 0L).ToArray(), a.Shape, shape);
        var y = Broadcast(Bools(b).Select(v => v ? 1L : 0L).ToArray(), b.Shape, shape);
        return TensorData.FromBools(shape, x.Select((v, i) => op switch { "And" => v * y[i] != 0, "Or" => v + y[i] != 0, _ => v != y[i] }).ToArray());
    }

    static TensorData? Where(TensorData cond, TensorData a, TensorData b, long[] shape)
    {
        if (cond.Type != DType.Bool || a.Type != DType.Int64 || b.Type != DType.Int64) return null;
        var c = Broadcast(Bools(cond).Select(v => v ? 1L : 0L).ToArray(), cond.Shape, shape);
        var x = Broadcast(a.ToLongs(), a.Shape, shape); var y = Broadcast(b.ToLongs(), b.Shape, shape);
        return TensorData.FromLongs(shape, c.Select((v, i) => v != 0 ? x[i] : y[i]).ToArray());
    }
}
