namespace Tessera.Graphs.Zoo;

/// <summary>Writes forward graphs the way PyTorch's ONNX exporter lays them out (Gemm with transB, NCHW Conv).</summary>
public sealed class LayerBuilder
{
    readonly WeightInit _init;
    public GraphBuilder B { get; }
    public Graph Graph => B.Graph;

    public LayerBuilder(string name, ulong seed)
    {
        B = new GraphBuilder(new Graph(name), "fwd");
        _init = new WeightInit(seed);
    }

    public string Input(string name, DType type, params long[] sampleShape)
    {
        Graph.Inputs.Add(new ValueInfo(name, type, [-1, .. sampleShape], ["batch", .. Enumerable.Repeat<string?>(null, sampleShape.Length)]));
        return name;
    }

    public void Output(string value, params long[] sampleShape)
    {
        var named = B.Claim("output");
        B.AddNode("Identity", [value], [named]);
        Graph.Outputs.Add(new ValueInfo(named, DType.Float, [-1, .. sampleShape], ["batch", .. Enumerable.Repeat<string?>(null, sampleShape.Length)]));
    }

    public string Parameter(string name, long[] shape, float[] values)
    {
        B.Claim(name);
        Graph.Initializers[name] = TensorData.FromFloats(shape, values);
        return name;
    }

    public string Uniform(string name, long[] shape, float bound) => Parameter(name, shape, _init.Uniform(Shapes.Numel(shape), bound));
    public string Normal(string name, long[] shape, float std) => Parameter(name, shape, _init.Normal(Shapes.Numel(shape), std));
    public string Constant(string name, long[] shape, float value) => Parameter(name, shape, Enumerable.Repeat(value, (int)Shapes.Numel(shape)).ToArray());

    /// <summary>y = x W^T + b with W [out, in], as torch.nn.Linear exports.</summary>
    public string Linear(string x, long inFeatures, long outFeatures, string name)
    {
        float bound = 1f / MathF.Sqrt(inFeatures);
        var w = Uniform($"{name}.weight", [outFeatures, inFeatures], bound);
        var b = Uniform($"{name}.bias", [outFeatures], bound);
        return B.Op("Gemm", [x, w, b], ("transB", 1L));
    }

    /// <summary>Linear over the last axis of a rank-3 input: MatMul with W [in, out] plus bias.</summary>
    public string Dense(string x, long inFeatures, long outFeatures, string name)
    {
        float bound = 1f / MathF.Sqrt(inFeatures);
        var w = Uniform($"{name}.weight", [inFeatures, outFeatures], bound);
        var b = Uniform($"{name}.bias", [outFeatures], bound);
        return B.Add(B.MatMul(x, w), b);
    }

    public string Conv2d(string x, long inChannels, long outChannels, long kernel, long padding, string name)
    {
        float bound = 1f / MathF.Sqrt(inChannels * kernel * kernel);
        var w = Uniform($"{name}.weight", [outChannels, inChannels, kernel, kernel], bound);
        var b = Uniform($"{name}.bias", [outChannels], bound);
        return B.Op("Conv", [x, w, b], ("kernel_shape", new long[] { kernel, kernel }), ("pads", new long[] { padding, padding, padding, padding }));
    }

    public string MaxPool2d(string x, long size) =>
        B.Op("MaxPool", [x], ("kernel_shape", new long[] { size, size }), ("strides", new long[] { size, size }));

    public string Relu(string x) => B.Op("Relu", x);

    public string LayerNorm(string x, long features, string name)
    {
        var scale = Constant($"{name}.weight", [features], 1f);
        var bias = Constant($"{name}.bias", [features], 0f);
        return B.Op("LayerNormalization", [x, scale, bias], ("axis", -1L), ("epsilon", 1e-5f));
    }

    public string Dropout(string x, float ratio) => B.Op("Dropout", x, B.Scalar(ratio));
}
