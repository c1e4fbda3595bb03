namespace Tessera.Graphs.Autodiff;

/// <summary>Convolution and pooling, expressed with Conv, ConvTranspose, Resize, MaxUnpool and ScatterElements.</summary>
internal static class ConvPoolRules
{
    public static void Register(Dictionary<string, GradientRule> r)
    {
        r["Conv"] = Conv;
        r["MaxPool"] = MaxPool;
        r["AveragePool"] = AveragePool;
        r["GlobalAveragePool"] = (c, n) => ElementwiseRules.Unary(c, n, g =>
        {
            var x = c.Shape(n.Inputs[0]);
            long area = Shapes.Numel(x[2..]);
            return c.B.Expand(c.B.Mul(g, c.B.Scalar(1f / area)), c.B.Ints(x));
        });
    }

    record Geometry(long[] Kernel, long[] Strides, long[] Dilations, long[] Pads);

    static Geometry Geom(GradientContext c, Node n, long[] kernel)
    {
        int sp = kernel.Length;
        var strides = n.Ints("strides") ?? Enumerable.Repeat(1L, sp).ToArray();
        var dil = n.Ints("dilations") ?? Enumerable.Repeat(1L, sp).ToArray();
        return new Geometry(kernel, strides, dil, ShapeRules.SpatialPads(n, c.Shape(n.Inputs[0]), kernel, strides, dil));
    }

    static void Conv(GradientContext c, Node n)
    {
        var (x, w) = (n.Inputs[0], n.Inputs[1]);
        var g = c.Grad(n.Outputs[0])!;
        long groups = n.Int("group", 1);
        var sx = c.Shape(x); var sw = c.Shape(w); var sy = c.Shape(n.Outputs[0]);
        int sp = sx.Length - 2;
        var geo = Geom(c, n, n.Ints("kernel_shape") ?? sw[2..]);
        var spatialAxes = Enumerable.Range(2, sp).Select(i => (long)i).ToArray();

        if (n.Input(2) is { } bias && c.Needs(bias))
            c.Accumulate(bias, c.B.ReduceSum(g, [0, .. spatialAxes], keepDims: false));

        if (c.Needs(x))
        {
            // The input gradient is the transposed convolution of the output gradient with the same weights
            // (ConvTranspose's [C_in, C_out/group, k] weight layout is Conv's [M, C/group, k] read backwards);
            // output_padding recovers the rows a strided forward pass skipped.
            var outPad = new long[sp];
            for (int i = 0; i < sp; i++)
                outPad[i] = sx[i + 2] - (geo.Strides[i] * (sy[i + 2] - 1) + (geo.Kernel[i] - 1) * geo.Dilations[i] + 1 - geo.Pads[i] - geo.Pads[i + sp]);
            var attrs = new List<(string, object)>
            {
                ("strides", geo.Strides), ("dilations", geo.Dilations), ("pads", geo.Pads), ("output_padding", outPad), ("kernel_shape", geo.Kernel),
            };
            if (groups != 1) attrs.Add(("group", groups));
            c.Accumulate(x, c.B.Op("ConvTranspose", [g, w], attrs.ToArray()));
        }

        if (c.Needs(w))
        {
            // dW[m,c,k] = sum_n sum_y g[n,m,y] x[n,c,y*s+k*d]: a convolution of x (batch and channels swapped)
            // with g as the kernel, stride and dilation exchanged.
            var swap = new long[sp + 2];
            swap[0] = 1; swap[1] = 0;
            for (int i = 2; i < sp + 2; i++) swap[i] = i;
            var gt = c.B.Transpose(g, swap);
            var xt = groups == 1 ? c.B.Transpose(x, swap) : GroupedAsBatch(c, x, sx, groups);
            var attrs = new List<(string, object)>
            {
                ("strides", geo.Dilations), ("dilations", geo.Strides), ("pads", geo.Pads), ("kernel_shape", sy[2..]),
            };
            if (groups != 1) attrs.Add(("group", groups));
            var dw = c.B.Op("Conv", [xt, gt], attrs.ToArray());
            // The correlation can be longer than the kernel when strides leave input rows unused; keep the kernel's extent.
            var full = new long[sp];
            for (int i = 0; i < sp; i++)
                full[i] = (sx[i + 2] + geo.Pads[i] + geo.Pads[i + sp] - ((sy[i + 2] - 1) * geo.Strides[i] + 1)) / geo.Dilations[i] + 1;
            if (!full.SequenceEqual(geo.Kernel))
                dw = c.B.Op("Slice", dw, c.B.Ints(new long[sp]), c.B.Ints(geo.Kernel), c.B.Ints(spatialAxes));
            c.Accumulate(w, c.B.Transpose(dw, swap));
        }
    }

    /// <summary>
    /// For a grouped weight gradient: x [N, C, ...] as [C/G, G*N, ...], so that a Conv with group=G over it and
    /// the transposed output gradient [M, N, ...] pairs each group's input channels only with its own filters.
    /// </summary>
    static string GroupedAsBatch(GradientContext c, string x, long[] sx, long groups)
    {
        long n = sx[0], perGroup = sx[1] / groups;
        var spatial = sx[2..];
        var split = c.B.Reshape(x, [n, groups, perGroup, .. spatial]);
        long[] perm = [2, 1, 0, .. Enumerable.Range(3, spatial.Length).Select(i => (long)i)];
        return c.B.Reshape(c.B.Transpose(split, perm), [perGroup, groups * n, .. spatial]);
    }

    static void MaxPool(GradientContext c, Node n)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null || !c.Needs(n.Inputs[0])) return;
        if (n.Int("storage_order", 0) != 0) throw new UnsupportedOpException($"{n.Describe()}: MaxPool gradient needs storage_order=0");
        if (TryTiledMaxPool(c, n, g)) return;
        // The forward node reports which input element won each window (flat indices over the whole tensor,
        // the first maximum on ties, as PyTorch picks); the gradient goes back to exactly those elements.
        if (n.Outputs.Count < 2 || n.Outputs[1].Length == 0)
        {
            var indices = c.B.Fresh("maxpool_indices");
            if (n.Outputs.Count < 2) n.Outputs.Add(indices); else n.Outputs[1] = indices;
        }
        var sx = c.Shape(n.Inputs[0]);
        int sp = sx.Length - 2;
        var kernel = n.Ints("kernel_shape")!;
        var geo = Geom(c, n, kernel);
        var sy = c.Shape(n.Outputs[0]);
        bool disjoint = Enumerable.Range(0, sp).All(i => geo.Strides[i] >= (kernel[i] - 1) * geo.Dilations[i] + 1);
        // ONNX Runtime's MaxUnpool refuses an output shape smaller than (pooled - 1)·stride + kernel - pads (ceil_mode).
        bool fits = Enumerable.Range(0, sp).All(i => (sy[i + 2] - 1) * geo.Strides[i] + kernel[i] - geo.Pads[i] - geo.Pads[i + sp] <= sx[i + 2]);
        if (disjoint && fits)
        {
            // Windows do not overlap (padded or ceil_mode pools that TryTiledMaxPool leaves), so no element
            // wins twice: MaxUnpool writes each gradient to its winner in one pass.
            c.Accumulate(n.Inputs[0], c.B.Op("MaxUnpool", [g, n.Outputs[1], c.B.Ints(sx)],
                ("kernel_shape", kernel), ("strides", geo.Strides), ("pads", geo.Pads)));
            return;
        }
        // Overlapping windows: one element can win several, so the contributions add up.
        long total = Shapes.Numel(sx);
        var flatIdx = c.B.Reshape(n.Outputs[1], -1);
        var flatG = c.B.Reshape(g, -1);
        var zeros = c.B.Op("ConstantOfShape", [c.B.Ints(total)], ("value", TensorData.FromFloats([1], [0f])));
        var scattered = c.B.Op("ScatterElements", [zeros, flatIdx, flatG], ("axis", 0L), ("reduction", "add"));
        c.Accumulate(n.Inputs[0], c.B.Reshape(scattered, sx));
    }

    /// <summary>
    /// Tiled pools (kernel = stride, no padding, dims divisible): nearest-neighbour Resize spreads the pooled
    /// max back over its window, Equal marks the elements that reached it, and each window's gradient is shared
    /// among its marked elements (ties split it equally, a valid subgradient). Every op here is a same-shape or
    /// ONNX Runtime fast-path kernel, so the forward MaxPool keeps its vectorized no-indices form: asking it for
    /// Indices made it 20x slower (5.5 ms for the CNN's first pool at batch 50).
    /// </summary>
    static bool TryTiledMaxPool(GradientContext c, Node n, string g)
    {
        var sx = c.Shape(n.Inputs[0]);
        int sp = sx.Length - 2;
        var kernel = n.Ints("kernel_shape")!;
        var geo = Geom(c, n, kernel);
        bool tiled = geo.Strides.SequenceEqual(kernel) && geo.Pads.All(p => p == 0) && geo.Dilations.All(d => d == 1)
                     && n.Int("ceil_mode", 0) == 0 && Enumerable.Range(0, sp).All(i => sx[i + 2] % kernel[i] == 0);
        if (!tiled || (n.Outputs.Count > 1 && n.Outputs[1].Length > 0)) return false;
        var b = c.B;
        string Spread(string pooled) => b.Op("Resize", [pooled, "", "", b.Ints(sx)],
            ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
        var pool = new (string, object)[] { ("kernel_shape", kernel), ("strides", kernel) };
        var mask = b.Cast(b.Op("Equal", n.Inputs[0], Spread(n.Outputs[0])), DType.Float);
        // share = g / (number of winners) = (g / window size) / (mean of the mask over the window)
        var share = b.Div(b.Mul(g, b.Scalar(1f / Shapes.Numel(kernel))), b.Op("AveragePool", [mask], pool));
        c.Accumulate(n.Inputs[0], b.Mul(mask, Spread(share)));
        return true;
    }

    static void AveragePool(GradientContext c, Node n)
    {
        var g = c.Grad(n.Outputs[0]);
        if (g is null || !c.Needs(n.Inputs[0])) return;
        var sx = c.Shape(n.Inputs[0]); var sy = c.Shape(n.Outputs[0]);
        int sp = sx.Length - 2;
        var geo = Geom(c, n, n.Ints("kernel_shape")!);
        if (n.Int("ceil_mode", 0) != 0) throw new UnsupportedOpException($"{n.Describe()}: AveragePool gradient needs ceil_mode=0");
        // Divide each window's gradient by the number of elements it averaged, then spread it back with a
        // depthwise transposed convolution whose kernel is all ones.
        bool includePad = n.Int("count_include_pad", 0) != 0;
        var counts = WindowCounts(sx, sy, geo, includePad);
        var scaled = c.B.Div(g, c.B.Const(TensorData.FromFloats(sy[2..], counts)));
        long channels = sx[1];
        long kernelSize = Shapes.Numel(geo.Kernel);
        var ones = TensorData.FromFloats([channels, 1, .. geo.Kernel], Enumerable.Repeat(1f, (int)(channels * kernelSize)).ToArray());
        var outPad = new long[sp];
        for (int i = 0; i < sp; i++)
            outPad[i] = sx[i + 2] - (geo.Strides[i] * (sy[i + 2] - 1) + (geo.Kernel[i] - 1) * geo.Dilations[i] + 1 - geo.Pads[i] - geo.Pads[i + sp]);
        c.Accumulate(n.Inputs[0], c.B.Op("ConvTranspose", [scaled, c.B.Const(ones)],
            ("strides", geo.Strides), ("dilations", geo.Dilations), ("pads", geo.Pads), ("output_padding", outPad),
            ("group", channels), ("kernel_shape", geo.Kernel)));
    }

    /// <summary>How many elements each output window of an average pool covered (2-D and 1-D).</summary>
    static float[] WindowCounts(long[] sx, long[] sy, Geometry geo, bool includePad)
    {
        int sp = sx.Length - 2;
        var outDims = sy[2..];
        var counts = new float[Shapes.Numel(outDims)];
        var pos = new long[sp];
        for (int flat = 0; flat < counts.Length; flat++)
        {
            long rem = flat;
            for (int i = sp - 1; i >= 0; i--) { pos[i] = rem % outDims[i]; rem /= outDims[i]; }
            long count = 1;
            for (int i = 0; i < sp; i++)
            {
                long start = pos[i] * geo.Strides[i] - geo.Pads[i];
                long inside = 0;
                for (long k = 0; k < geo.Kernel[i]; k++)
                {
                    long at = start + k * geo.Dilations[i];
                    bool inInput = at >= 0 && at < sx[i + 2];
                    bool inPadded = at >= -geo.Pads[i] && at < sx[i + 2] + geo.Pads[i + sp];
                    if (inInput || (includePad && inPadded)) inside++;
                }
                count *= inside;
            }
            counts[flat] = count;
        }
        return counts;
    }
}
