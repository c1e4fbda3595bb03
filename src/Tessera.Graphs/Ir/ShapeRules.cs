namespace Tessera.Graphs;

/// <summary>Per-op type and shape rules (and integer constant folding) for the ops Tessera emits or imports.</summary>
internal static class ShapeRules
{
    static readonly HashSet<string> SameAsInput =
    [
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Gelu", "Neg", "Sqrt", "Exp", "Log", "Abs", "Reciprocal",
        "Softmax", "LogSoftmax", "Identity", "Softplus", "Sign", "Floor", "Ceil", "Round", "Not", "Dropout", "Clip",
        "Hardmax", "HardSigmoid", "HardSwish", "InstanceNormalization", "Trilu",
    ];

    static readonly HashSet<string> Broadcasting = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "BitShift", "BitwiseXor", "BitwiseAnd", "BitwiseOr"];
    static readonly HashSet<string> Comparison = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"];

    public static void Infer(ShapeInference s, Node n)
    {
        string? In(int i) => n.Input(i);
        long[] Sh(int i) => s.Shape(n.Inputs[i]);
        DType Ty(int i) => s.Type(n.Inputs[i]);
        void Out(int i, DType t, long[] shape) { if (i < n.Outputs.Count) s.Set(n.Outputs[i], t, shape); }

        if (n.Domain is not ("" or "ai.onnx"))
            throw new UnsupportedOpException($"{n.Describe()}: domain '{n.Domain}' is not supported by Tessera");

        if (SameAsInput.Contains(n.OpType))
        {
            Out(0, Ty(0), Sh(0));
            if (n.OpType == "Dropout") Out(1, DType.Bool, Sh(0));
            if (n.OpType == "Identity" && s.Value(n.Inputs[0]) is { } iv) s.SetConstant(n.Outputs[0], iv);
            if (n.OpType == "Not") ConstantFolding.TryFold(s, n, Sh(0));
            return;
        }
        if (Broadcasting.Contains(n.OpType))
        {
            var shape = Shapes.Broadcast(Sh(0), Sh(1));
            Out(0, Ty(0), shape);
            FoldBinary(s, n, shape);
            return;
        }
        if (Comparison.Contains(n.OpType))
        {
            var shape = Shapes.Broadcast(Sh(0), Sh(1));
            Out(0, DType.Bool, shape);
            ConstantFolding.TryFold(s, n, shape);
            return;
        }

        switch (n.OpType)
        {
            case "Constant":
            {
                var t = n.Attributes.TryGetValue("value", out var v) ? (TensorData)v
                    : n.Has("value_float") ? TensorData.Scalar(n.Float("value_float", 0))
                    : n.Has("value_int") ? TensorData.Scalar(n.Int("value_int", 0))
                    : n.Has("value_ints") ? TensorData.Vector(n.Ints("value_ints")!)
                    : n.Has("value_floats") ? TensorData.FromFloats([n.Attributes["value_floats"] is float[] fa ? fa.Length : 0], (float[])n.Attributes["value_floats"])
                    : throw new InvalidOperationException("Constant without a supported value attribute");
                s.SetConstant(n.Outputs[0], t);
                return;
            }
            case "Shape":
            {
                var shape = Sh(0);
                long start = n.Int("start", 0), end = n.Int("end", shape.Length);
                int a = (int)(start < 0 ? start + shape.Length : start), b = (int)Math.Min(end < 0 ? end + shape.Length : end, shape.Length);
                var dims = shape[a..b];
                if (dims.All(d => d >= 0)) s.SetConstant(n.Outputs[0], TensorData.Vector(dims));
                else Out(0, DType.Int64, [dims.Length]);
                return;
            }
            case "Size": s.SetConstant(n.Outputs[0], TensorData.Scalar(Shapes.Numel(Sh(0)))); return;
            case "Cast":
            {
                var to = (DType)n.Int("to", 1);
                var v = s.Value(n.Inputs[0]);
                if (v is not null && to == DType.Int64) s.SetConstant(n.Outputs[0], TensorData.FromLongs(v.Shape, v.ToLongs()));
                else Out(0, to, Sh(0));
                return;
            }
            case "CastLike": Out(0, Ty(1), Sh(0)); return;
            case "Sum" or "Mean":
                Out(0, Ty(0), n.Inputs.Select(s.Shape).Aggregate(Shapes.Broadcast));
                return;
            case "Pad":
            {
                var x = Sh(0);
                var pads = s.RequireInts(n.Inputs[1], n);
                var axes = n.Input(3) is { } pa ? s.RequireInts(pa, n).Select(a => Shapes.Axis(a, x.Length)).ToArray() : Enumerable.Range(0, x.Length).ToArray();
                var shape = (long[])x.Clone();
                for (int i = 0; i < axes.Length; i++) shape[axes[i]] += pads[i] + pads[i + axes.Length];
                Out(0, Ty(0), shape);
                return;
            }
            case "MatMul": Out(0, Ty(0), MatMulShape(Sh(0), Sh(1))); return;
            case "Gemm":
            {
                var a = Sh(0); var b = Sh(1);
                long m = n.Int("transA", 0) != 0 ? a[1] : a[0];
                long nn = n.Int("transB", 0) != 0 ? b[0] : b[1];
                Out(0, Ty(0), [m, nn]);
                return;
            }
            case "Transpose":
            {
                var x = Sh(0);
                var perm = n.Ints("perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
                Out(0, Ty(0), perm.Select(p => x[p]).ToArray());
                return;
            }
            case "Reshape":
            {
                var x = Sh(0);
                var target = s.RequireInts(n.Inputs[1], n);
                bool allowZero = n.Int("allowzero", 0) != 0;
                var shape = new long[target.Length];
                long known = 1; int infer = -1;
                for (int i = 0; i < target.Length; i++)
                {
                    shape[i] = target[i] == 0 && !allowZero ? x[i] : target[i];
                    if (shape[i] == -1) infer = i; else known *= shape[i];
                }
                if (infer >= 0) shape[infer] = Shapes.Numel(x) / known;
                var v = s.Value(n.Inputs[0]);
                if (v is not null) s.SetConstant(n.Outputs[0], new TensorData(v.Type, shape, v.Bytes));
                else Out(0, Ty(0), shape);
                return;
            }
            case "Flatten":
            {
                var x = Sh(0);
                int axis = n.Int("axis", 1) is var ax && ax < 0 ? (int)ax + x.Length : (int)n.Int("axis", 1);
                Out(0, Ty(0), [Shapes.Numel(x[..axis]), Shapes.Numel(x[axis..])]);
                return;
            }
            case "Unsqueeze":
            {
                var x = Sh(0).ToList();
                var axes = AxesFrom(s, n, 1);
                int rank = x.Count + axes.Length;
                foreach (var a in axes.Select(a => Shapes.Axis(a, rank)).Order()) x.Insert(a, 1);
                var v = s.Value(n.Inputs[0]);
                if (v is not null) s.SetConstant(n.Outputs[0], new TensorData(v.Type, x.ToArray(), v.Bytes));
                else Out(0, Ty(0), x.ToArray());
                return;
            }
            case "Squeeze":
            {
                var x = Sh(0);
                var axes = In(1) is null && !n.Has("axes")
                    ? Enumerable.Range(0, x.Length).Where(i => x[i] == 1).ToHashSet()
                    : AxesFrom(s, n, 1).Select(a => Shapes.Axis(a, x.Length)).ToHashSet();
                var shape = x.Where((_, i) => !axes.Contains(i)).ToArray();
                var v = s.Value(n.Inputs[0]);
                if (v is not null) s.SetConstant(n.Outputs[0], new TensorData(v.Type, shape, v.Bytes));
                else Out(0, Ty(0), shape);
                return;
            }
            case "Concat":
            {
                var shapes = n.Inputs.Select(s.Shape).ToArray();
                int axis = Shapes.Axis(n.Int("axis", 0), shapes[0].Length);
                var shape = (long[])shapes[0].Clone();
                shape[axis] = shapes.Sum(x => x[axis]);
                var values = n.Inputs.Select(s.Value).ToArray();
                if (shape.Length == 1 && values.All(v => v is not null && v.Type == DType.Int64))
                    s.SetConstant(n.Outputs[0], TensorData.Vector(values.SelectMany(v => v!.ToLongs()).ToArray()));
                else Out(0, Ty(0), shape);
                return;
            }
            case "Split":
            {
                var x = Sh(0);
                int axis = Shapes.Axis(n.Int("axis", 0), x.Length);
                long[] sizes = In(1) is not null ? s.RequireInts(n.Inputs[1], n)
                    : n.Ints("split") ?? Enumerable.Repeat(x[axis] / n.Outputs.Count, n.Outputs.Count).ToArray();
                for (int i = 0; i < n.Outputs.Count; i++)
                {
                    var shape = (long[])x.Clone();
                    shape[axis] = sizes[i];
                    Out(i, Ty(0), shape);
                }
                return;
            }
            case "Slice":
            {
                var x = Sh(0);
                var (starts, ends, axes, steps) = SliceParams(s, n, x.Length);
                var shape = (long[])x.Clone();
                for (int i = 0; i < axes.Length; i++)
                {
                    var (st, en) = SliceRange(x[axes[i]], starts[i], ends[i], steps[i]);
                    shape[axes[i]] = steps[i] > 0 ? Math.Max(0, (en - st + steps[i] - 1) / steps[i]) : Math.Max(0, (st - en - steps[i] - 1) / -steps[i]);
                }
                var v = s.Value(n.Inputs[0]);
                if (v is not null && v.Type == DType.Int64 && x.Length == 1 && steps[0] == 1)
                {
                    var (st, _) = SliceRange(x[0], starts[0], ends[0], 1);
                    s.SetConstant(n.Outputs[0], TensorData.Vector(v.ToLongs().Skip((int)st).Take((int)shape[0]).ToArray()));
                }
                else Out(0, Ty(0), shape);
                return;
            }
            case "Gather":
            {
                var x = Sh(0); var idx = Sh(1);
                int axis = Shapes.Axis(n.Int("axis", 0), x.Length);
                var shape = x[..axis].Concat(idx).Concat(x[(axis + 1)..]).ToArray();
                var v = s.Value(n.Inputs[0]); var iv = s.Value(n.Inputs[1]);
                if (v is not null && iv is not null && v.Type == DType.Int64 && x.Length == 1)
                {
                    var data = v.ToLongs();
                    s.SetConstant(n.Outputs[0], TensorData.FromLongs(shape, iv.ToLongs().Select(i => data[i < 0 ? i + data.Length : i]).ToArray()));
                }
                else Out(0, Ty(0), shape);
                return;
            }
            case "GatherElements": Out(0, Ty(0), Sh(1)); return;
            case "ScatterElements" or "ScatterND": Out(0, Ty(0), Sh(0)); return;
            case "Expand":
            {
                var target = s.RequireInts(n.Inputs[1], n);
                var shape = Shapes.Broadcast(Sh(0), target);
                Out(0, Ty(0), shape);
                ConstantFolding.TryFold(s, n, shape);
                return;
            }
            case "Tile":
            {
                var reps = s.RequireInts(n.Inputs[1], n);
                Out(0, Ty(0), Sh(0).Select((d, i) => d * reps[i]).ToArray());
                return;
            }
            case "ConstantOfShape":
            {
                var shape = s.RequireInts(n.Inputs[0], n);
                var value = n.Attributes.TryGetValue("value", out var v) ? (TensorData)v : TensorData.FromFloats([1], [0f]);
                Out(0, value.Type, shape);
                if (ConstantFolding.ConstantOfShape(shape, value) is { } folded) s.SetConstant(n.Outputs[0], folded);
                return;
            }
            case "Range":
            {
                var st = s.Value(n.Inputs[0]); var en = s.Value(n.Inputs[1]); var de = s.Value(n.Inputs[2]);
                long len = st is not null && en is not null && de is not null
                    ? Math.Max(0, (long)Math.Ceiling((en.ToLongs()[0] - st.ToLongs()[0]) / (double)de.ToLongs()[0])) : -1;
                Out(0, Ty(0), [len]);
                if (st is not null && en is not null && de is not null && ConstantFolding.Range(st, en, de) is { } folded) s.SetConstant(n.Outputs[0], folded);
                return;
            }
            case "Where":
            {
                var shape = Shapes.Broadcast(Sh(0), Shapes.Broadcast(Sh(1), Sh(2)));
                Out(0, Ty(1), shape);
                ConstantFolding.TryFold(s, n, shape);
                return;
            }
            case "LSTM" or "GRU" or "RNN":
            {
                // Shapes only: importing unrolls these (Interop/RecurrentLowering), which needs the sequence length.
                var x = Sh(0);
                bool batchFirst = n.Int("layout", 0) != 0;
                long dirs = n.Str("direction", "forward") == "bidirectional" ? 2 : 1, hidden = n.Int("hidden_size", Sh(2)[^1]);
                long steps = batchFirst ? x[1] : x[0], batch = batchFirst ? x[0] : x[1];
                Out(0, Ty(0), batchFirst ? [batch, steps, dirs, hidden] : [steps, dirs, batch, hidden]);
                for (int i = 1; i < n.Outputs.Count; i++) Out(i, Ty(0), batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden]);
                return;
            }
            case "OneHot":
            {
                long depth = s.RequireInts(n.Inputs[1], n)[0];
                var idx = Sh(0).ToList();
                int axis = (int)n.Int("axis", -1);
                idx.Insert(axis < 0 ? idx.Count + 1 + axis : axis, depth);
                Out(0, Ty(2), idx.ToArray());
                return;
            }
            case "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceSumSquare" or "ReduceProd" or "ReduceL2" or "ReduceLogSumExp":
            {
                var x = Sh(0);
                var axes = ReduceAxes(s, n, x.Length);
                bool keep = n.Int("keepdims", 1) != 0;
                var shape = keep ? x.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray() : x.Where((_, i) => !axes.Contains(i)).ToArray();
                Out(0, Ty(0), shape);
                return;
            }
            case "ArgMax" or "ArgMin":
            {
                var x = Sh(0);
                int axis = Shapes.Axis(n.Int("axis", 0), x.Length);
                bool keep = n.Int("keepdims", 1) != 0;
                Out(0, DType.Int64, keep ? x.Select((d, i) => i == axis ? 1 : d).ToArray() : x.Where((_, i) => i != axis).ToArray());
                return;
            }
            case "Conv": Out(0, Ty(0), ConvShape(n, Sh(0), Sh(1))); return;
            case "ConvTranspose": Out(0, Ty(0), ConvTransposeShape(n, Sh(0), Sh(1))); return;
            case "MaxPool" or "AveragePool":
            {
                var x = Sh(0);
                var shape = PoolShape(n, x);
                Out(0, Ty(0), shape);
                Out(1, DType.Int64, shape);
                return;
            }
            case "Resize":
            {
                if (n.Input(3) is not { } sizes || n.Input(4) is not null)
                    throw new UnsupportedOpException($"{n.Describe()}: Tessera infers Resize shapes from a constant 'sizes' input over all axes only");
                Out(0, Ty(0), s.RequireInts(sizes, n));
                return;
            }
            case "MaxUnpool":
                Out(0, Ty(0), n.Input(2) is { } unpoolShape ? s.RequireInts(unpoolShape, n) : MaxUnpoolShape(n, Sh(0)));
                return;
            case "GlobalAveragePool" or "GlobalMaxPool":
                Out(0, Ty(0), Sh(0).Select((d, i) => i < 2 ? d : 1).ToArray());
                return;
            case "LayerNormalization":
            {
                var x = Sh(0);
                int axis = Shapes.Axis(n.Int("axis", -1), x.Length);
                var stat = x.Select((d, i) => i < axis ? d : 1).ToArray();
                Out(0, Ty(0), x);
                Out(1, DType.Float, stat);
                Out(2, DType.Float, stat);
                return;
            }
            case "BatchNormalization":
            {
                // Training-mode exports also name the updated running mean and variance ([C]).
                Out(0, Ty(0), Sh(0));
                Out(1, Ty(0), Sh(3));
                Out(2, Ty(0), Sh(4));
                return;
            }
            case "Loop": InferLoop(s, n); return;
            case "RandomUniformLike" or "RandomNormalLike": Out(0, (DType)n.Int("dtype", (long)Ty(0)), Sh(0)); return;
        }
        throw new UnsupportedOpException($"{n.Describe()}: op '{n.OpType}' is not supported by Tessera");
    }

    static void InferLoop(ShapeInference s, Node n)
    {
        var body = n.Subgraph("body")!;
        var inner = ShapeInference.ForSubgraph(s, body);
        int carried = n.Inputs.Count - 2;
        long trip = n.Input(0) is { } m && s.Value(m) is { } mv ? mv.ToLongs()[0] : -1;
        for (int i = 0; i < n.Outputs.Count; i++)
        {
            var bodyOut = body.Outputs[i + 1].Name;
            if (i < carried) s.Set(n.Outputs[i], inner.Type(bodyOut), inner.Shape(bodyOut));
            else s.Set(n.Outputs[i], inner.Type(bodyOut), [trip, .. inner.Shape(bodyOut)]);
        }
    }

    static void FoldBinary(ShapeInference s, Node n, long[] shape)
    {
        var a = s.Value(n.Inputs[0]); var b = s.Value(n.Inputs[1]);
        if (a is null || b is null || a.Type != DType.Int64 || b.Type != DType.Int64) return;
        if (a.ElementCount != b.ElementCount && a.ElementCount != 1 && b.ElementCount != 1) return;
        var x = a.ToLongs(); var y = b.ToLongs();
        long len = Math.Max(x.Length, y.Length);
        Func<long, long, long>? f = n.OpType switch
        {
            "Add" => (p, q) => p + q, "Sub" => (p, q) => p - q, "Mul" => (p, q) => p * q,
            "Div" => (p, q) => p / q, "Max" => Math.Max, "Min" => Math.Min, _ => null,
        };
        if (f is null) return;
        var r = new long[len];
        for (int i = 0; i < len; i++) r[i] = f(x[x.Length == 1 ? 0 : i], y[y.Length == 1 ? 0 : i]);
        s.SetConstant(n.Outputs[0], TensorData.FromLongs(shape, r));
    }

    public static long[] MatMulShape(long[] a, long[] b)
    {
        if (a.Length == 1) return MatMulShape([1, a[0]], b).Where((_, i) => i != Math.Max(b.Length, 2) - 2).ToArray();
        if (b.Length == 1) return MatMulShape(a, [b[0], 1])[..^1];
        var batch = Shapes.Broadcast(a[..^2], b[..^2]);
        if (a[^1] != b[^2] && a[^1] >= 0 && b[^2] >= 0)
            throw new InvalidOperationException($"MatMul shapes {Shapes.Format(a)} and {Shapes.Format(b)} do not match");
        return [.. batch, a[^2], b[^1]];
    }

    internal static long[] AxesFrom(ShapeInference s, Node n, int inputIndex) =>
        n.Input(inputIndex) is { } ax ? s.RequireInts(ax, n) : n.Ints("axes") ?? [];

    internal static HashSet<int> ReduceAxes(ShapeInference s, Node n, int rank)
    {
        // ReduceSum takes axes as an input since opset 13, the other reductions since opset 18.
        var axes = AxesFrom(s, n, 1);
        if (axes.Length == 0)
            return n.Int("noop_with_empty_axes", 0) != 0 ? [] : Enumerable.Range(0, rank).ToHashSet();
        return axes.Select(a => Shapes.Axis(a, rank)).ToHashSet();
    }

    internal static (long[] Starts, long[] Ends, int[] Axes, long[] Steps) SliceParams(ShapeInference s, Node n, int rank)
    {
        var starts = s.RequireInts(n.Inputs[1], n);
        var ends = s.RequireInts(n.Inputs[2], n);
        var axes = n.Input(3) is { } a ? s.RequireInts(a, n).Select(x => Shapes.Axis(x, rank)).ToArray() : Enumerable.Range(0, starts.Length).ToArray();
        var steps = n.Input(4) is { } st ? s.RequireInts(st, n) : Enumerable.Repeat(1L, starts.Length).ToArray();
        return (starts, ends, axes, steps);
    }

    /// <summary>Clamps Slice's start and end against a dimension, as the ONNX spec does.</summary>
    internal static (long Start, long End) SliceRange(long dim, long start, long end, long step)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0) { start = Math.Clamp(start, 0, dim); end = Math.Clamp(end, 0, dim); }
        else { start = Math.Clamp(start, 0, dim - 1); end = Math.Clamp(end, -1, dim - 1); }
        return (start, end);
    }

    internal static long[] SpatialPads(Node n, long[] x, long[] kernel, long[] strides, long[] dilations)
    {
        int sp = kernel.Length;
        var pads = n.Ints("pads") ?? new long[2 * sp];
        var autoPad = n.Str("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            pads = new long[2 * sp];
            for (int i = 0; i < sp; i++)
            {
                long inDim = x[i + 2];
                long outDim = (inDim + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (outDim - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inDim);
                long small = total / 2, big = total - small;
                pads[i] = autoPad == "SAME_UPPER" ? small : big;
                pads[i + sp] = autoPad == "SAME_UPPER" ? big : small;
            }
        }
        return pads;
    }

    static long[] ConvShape(Node n, long[] x, long[] w)
    {
        var kernel = n.Ints("kernel_shape") ?? w[2..];
        int sp = kernel.Length;
        var strides = n.Ints("strides") ?? Enumerable.Repeat(1L, sp).ToArray();
        var dil = n.Ints("dilations") ?? Enumerable.Repeat(1L, sp).ToArray();
        var pads = SpatialPads(n, x, kernel, strides, dil);
        var shape = new long[2 + sp];
        shape[0] = x[0]; shape[1] = w[0];
        for (int i = 0; i < sp; i++)
            shape[i + 2] = (x[i + 2] + pads[i] + pads[i + sp] - ((kernel[i] - 1) * dil[i] + 1)) / strides[i] + 1;
        return shape;
    }

    /// <summary>MaxUnpool without an output_shape input: (in - 1)·stride + kernel - pads per spatial axis.</summary>
    static long[] MaxUnpoolShape(Node n, long[] x)
    {
        var kernel = n.Ints("kernel_shape")!;
        int sp = kernel.Length;
        var strides = n.Ints("strides") ?? Enumerable.Repeat(1L, sp).ToArray();
        var pads = n.Ints("pads") ?? new long[2 * sp];
        var shape = (long[])x.Clone();
        for (int i = 0; i < sp; i++) shape[i + 2] = (x[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + sp];
        return shape;
    }

    static long[] ConvTransposeShape(Node n, long[] x, long[] w)
    {
        var kernel = n.Ints("kernel_shape") ?? w[2..];
        int sp = kernel.Length;
        long group = n.Int("group", 1);
        var outShape = n.Ints("output_shape");
        var shape = new long[2 + sp];
        shape[0] = x[0]; shape[1] = w[1] * group;
        if (outShape is not null) { for (int i = 0; i < sp; i++) shape[i + 2] = outShape[outShape.Length - sp + i]; return shape; }
        var strides = n.Ints("strides") ?? Enumerable.Repeat(1L, sp).ToArray();
        var dil = n.Ints("dilations") ?? Enumerable.Repeat(1L, sp).ToArray();
        var outPad = n.Ints("output_padding") ?? new long[sp];
        var pads = n.Ints("pads") ?? new long[2 * sp];
        for (int i = 0; i < sp; i++)
            shape[i + 2] = strides[i] * (x[i + 2] - 1) + outPad[i] + ((kernel[i] - 1) * dil[i] + 1) - pads[i] - pads[i + sp];
        return shape;
    }

    static long[] PoolShape(Node n, long[] x)
    {
        var kernel = n.Ints("kernel_shape")!;
        int sp = kernel.Length;
        var strides = n.Ints("strides") ?? Enumerable.Repeat(1L, sp).ToArray();
        var dil = n.Ints("dilations") ?? Enumerable.Repeat(1L, sp).ToArray();
        var pads = SpatialPads(n, x, kernel, strides, dil);
        bool ceil = n.Int("ceil_mode", 0) != 0;
        var shape = new long[2 + sp];
        shape[0] = x[0]; shape[1] = x[1];
        for (int i = 0; i < sp; i++)
        {
            double v = (double)(x[i + 2] + pads[i] + pads[i + sp] - ((kernel[i] - 1) * dil[i] + 1)) / strides[i];
            shape[i + 2] = (long)(ceil ? Math.Ceiling(v) : Math.Floor(v)) + 1;
        }
        return shape;
    }
}
