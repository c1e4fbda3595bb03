namespace Tessera.Graphs.Training;

public enum LossKind { SoftmaxCrossEntropy, MeanSquaredError, BinaryCrossEntropy }

/// <summary>
/// A model as Tessera trains it: an ONNX forward graph with one data input (batch first) and one output,
/// its initializers holding initial weights, and the names of the trainable ones (the rest are frozen).
/// </summary>
public sealed class TrainableModel
{
    public string Name { get; }
    public Graph Forward { get; }
    public LossKind Loss { get; }
    public IReadOnlyList<string> Trainable { get; }
    /// <summary>
    /// Float initializers the training forward pass updates instead of the optimizer (BatchNorm running mean
    /// and variance). They travel with the weights (after the trainable ones) so federation averages them too.
    /// </summary>
    public IReadOnlyList<string> Buffers { get; }
    /// <summary>Per-sample label shape: [] for a class index, [T] for a sequence of them, the output's shape for regression.</summary>
    public long[] LabelShape { get; }

    /// <summary>The only batch size an imported model works at, when it was exported with a fixed batch baked into its shape constants.</summary>
    public long? FixedBatch { get; }

    public TrainableModel(string name, Graph forward, LossKind loss, IReadOnlyList<string>? trainable = null, long[]? labelShape = null,
        IReadOnlyList<string>? buffers = null, long? fixedBatch = null)
    {
        FixedBatch = fixedBatch;
        if (forward.Inputs.Count != 1) throw new ArgumentException($"model '{name}' must have exactly one data input, has {forward.Inputs.Count}");
        if (forward.Outputs.Count < 1) throw new ArgumentException($"model '{name}' has no output");
        Name = name;
        Forward = forward;
        Loss = loss;
        Trainable = trainable ?? forward.Initializers.Where(kv => kv.Value.Type == DType.Float).Select(kv => kv.Key).ToList();
        foreach (var t in Trainable)
        {
            if (!forward.Initializers.TryGetValue(t, out var init)) throw new ArgumentException($"trainable parameter '{t}' is not an initializer of model '{name}'");
            if (init.Type != DType.Float) throw new ArgumentException($"trainable parameter '{t}' is {init.Type}; only float parameters train");
        }
        Buffers = buffers ?? [];
        foreach (var t in Buffers)
        {
            if (!forward.Initializers.TryGetValue(t, out var init) || init.Type != DType.Float) throw new ArgumentException($"buffer '{t}' is not a float initializer of model '{name}'");
            if (Trainable.Contains(t)) throw new ArgumentException($"'{t}' cannot be both trainable and a buffer");
        }
        var outShape = forward.Outputs[0].Shape;
        LabelShape = labelShape ?? (loss == LossKind.SoftmaxCrossEntropy ? outShape[1..^1] : outShape[1..]);
    }

    public ValueInfo Input => Forward.Inputs[0];
    public string Output => Forward.Outputs[0].Name;
    public long[] SampleShape => Input.Shape[1..];
    public DType LabelType => Loss == LossKind.SoftmaxCrossEntropy ? DType.Int64 : DType.Float;

    /// <summary>The trainable tensors, then the buffers: the order of an artifact's manifest parameters.</summary>
    public ParameterSet InitialParameters() =>
        new(Trainable.Concat(Buffers).Select(t => new NamedTensor(t, Forward.Initializers[t].Shape, Forward.Initializers[t].ToFloats())));

    public long ParameterCount => Trainable.Sum(t => Forward.Initializers[t].ElementCount);

    /// <summary>The forward graph with its batch dimension fixed, as compiled into artifacts.</summary>
    internal Graph ForwardWithBatch(long batch)
    {
        if (FixedBatch is { } fixedBatch && batch != fixedBatch)
            throw new OnnxFormatException($"model '{Name}' was exported with a fixed batch size of {fixedBatch} that its shape computations assume " +
                $"({Interop.OnnxImporter.BatchLocked(Forward, batch)}); compile it with batch size {fixedBatch}, or re-export it with dynamic_axes={{'{Input.Name}': {{0: 'batch'}}}}");
        var g = Forward.Clone();
        var input = g.Inputs[0];
        g.Inputs[0] = input with { Shape = [batch, .. input.Shape[1..]], DimNames = null };
        return g;
    }
}
