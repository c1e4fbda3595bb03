using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs.Training;
using P = Tessera.Graphs.Training.ArtifactManifest;

namespace Tessera.Runtime;

/// <summary>
/// Runs a training artifact: each call trains K steps in one ONNX Runtime run. Weights and optimizer state
/// live in native OrtValues bound through IO binding and double-buffered (inputs of one call are the outputs
/// of the previous), so they are never copied through managed arrays between calls.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly Dictionary<string, OrtValue> _extra = new();
    OrtValue[] _params, _paramsNext, _state, _stateNext;

    public ArtifactManifest Manifest { get; }
    /// <summary>Steps trained since the optimizer state was last reset (the start of a task); offsets the dropout seed.</summary>
    public int StepsDone { get; private set; }

    public Trainer(Artifact artifact, ParameterSet initial, RuntimeOptions? options = null)
    {
        if (artifact.Manifest.Kind != "train") throw new ArgumentException("a Trainer needs a training artifact");
        Manifest = artifact.Manifest;
        _session = SessionFactory.Create(artifact.Bytes, options ?? RuntimeOptions.Default);
        _params = Manifest.Parameters.Select(p => OrtTensors.Allocate(p.Shape)).ToArray();
        _paramsNext = Manifest.Parameters.Select(p => OrtTensors.Allocate(p.Shape)).ToArray();
        _state = Manifest.State.Select(s => OrtTensors.Allocate(s.Shape)).ToArray();
        _stateNext = Manifest.State.Select(s => OrtTensors.Allocate(s.Shape)).ToArray();
        SetParameters(initial);
        ResetOptimizerState();
        foreach (var name in Manifest.ExtraInputs)
        {
            var shape = Manifest.Parameters.First(p => name.EndsWith("/" + p.Name, StringComparison.Ordinal)).Shape;
            _extra[name] = OrtTensors.Allocate(shape);
        }
    }

    /// <summary>Trains <see cref="BatchData.Steps"/> steps; returns the per-step losses and correct counts.</summary>
    public StepTrace Train(BatchData data, Hyperparameters hp)
    {
        var (x, y) = OrtTensors.WrapBatches(Manifest, data);
        var scalars = new List<OrtValue> { x, y };
        using var io = _session.CreateIoBinding();
        try
        {
            io.BindInput("x", x);
            io.BindInput("y", y);
            foreach (var h in Manifest.Hyperparameters)
            {
                var v = h == "dropout_seed"
                    ? OrtTensors.Wrap(new[] { hp.DropoutSeed + StepsDone }, [])
                    : OrtTensors.Wrap(new[] { hp.Value(h) }, []);
                scalars.Add(v);
                io.BindInput(h, v);
            }
            for (int i = 0; i < _params.Length; i++)
            {
                io.BindInput(P.ParamPrefix + Manifest.Parameters[i].Name, _params[i]);
                io.BindOutput(P.ParamOutPrefix + Manifest.Parameters[i].Name, _paramsNext[i]);
            }
            for (int i = 0; i < _state.Length; i++)
            {
                io.BindInput(P.StatePrefix + Manifest.State[i].Name, _state[i]);
                io.BindOutput(P.StateOutPrefix + Manifest.State[i].Name, _stateNext[i]);
            }
            foreach (var (name, value) in _extra) io.BindInput(name, value);
            var losses = OrtTensors.Allocate([data.Steps]);
            var correct = OrtTensors.Allocate([data.Steps]);
            scalars.Add(losses);
            scalars.Add(correct);
            io.BindOutput("losses", losses);
            io.BindOutput("correct", correct);

            _session.RunWithBinding(_run, io);

            (_params, _paramsNext) = (_paramsNext, _params);
            (_state, _stateNext) = (_stateNext, _state);
            StepsDone += data.Steps;
            return new StepTrace(losses.GetTensorDataAsSpan<float>().ToArray(), correct.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var v in scalars) v.Dispose();
        }
    }

    /// <summary>Stops ONNX Runtime profiling (enabled by <see cref="RuntimeOptions.ProfilePrefix"/>) and returns the profile's path.</summary>
    public string EndProfiling() => _session.EndProfiling();

    /// <summary>Copies the current weights out to managed memory.</summary>
    public ParameterSet GetParameters() =>
        new(Manifest.Parameters.Select((p, i) => new NamedTensor(p.Name, p.Shape, _params[i].GetTensorDataAsSpan<float>().ToArray())));

    /// <summary>Writes the current weights into a flat vector (parameter order) without intermediate arrays.</summary>
    public void CopyParametersTo(Span<float> flat)
    {
        int offset = 0;
        foreach (var v in _params)
        {
            var src = v.GetTensorDataAsSpan<float>();
            src.CopyTo(flat[offset..]);
            offset += src.Length;
        }
    }

    public void SetParameters(ParameterSet weights) => Fill(_params, weights, "weights");

    /// <summary>FedProx: the global weights the proximal term pulls towards.</summary>
    public void SetGlobalWeights(ParameterSet global) => FillExtra(P.GlobalPrefix, global);

    /// <summary>SCAFFOLD: the server's and this client's control variates.</summary>
    public void SetControlVariates(ParameterSet server, ParameterSet client)
    {
        FillExtra(P.ServerControlPrefix, server);
        FillExtra(P.ClientControlPrefix, client);
    }

    /// <summary>Starts a fresh local run: zero optimizer state and step count, so dropout masks depend only on the task's seed.</summary>
    public void ResetOptimizerState()
    {
        StepsDone = 0;
        foreach (var s in _state) s.GetTensorMutableDataAsSpan<float>().Clear();
    }

    /// <summary>Fills the per-parameter extra inputs; buffers have none, so a full weight set (buffers included) or only the trainable part may be given.</summary>
    void FillExtra(string prefix, ParameterSet values)
    {
        foreach (var p in Manifest.Parameters.Where(p => !Manifest.Buffers.Contains(p.Name)))
        {
            var target = _extra.TryGetValue(prefix + p.Name, out var v) ? v
                : throw new InvalidOperationException($"artifact has no input '{prefix}{p.Name}'; compile it with the matching option");
            var t = values.Tensors.FirstOrDefault(t => t.Name == p.Name)
                ?? throw new ArgumentException($"{prefix.TrimEnd('/')}: no tensor '{p.Name}'");
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new ArgumentException($"{prefix.TrimEnd('/')}: tensor '{t.Name}' is {Graphs.Shapes.Format(t.Shape)}, expected {Graphs.Shapes.Format(p.Shape)}");
            t.Values.CopyTo(target.GetTensorMutableDataAsSpan<float>());
        }
    }

    void Fill(OrtValue[] targets, ParameterSet values, string what)
    {
        if (values.Tensors.Count != targets.Length)
            throw new ArgumentException($"{what}: expected {targets.Length} tensors, got {values.Tensors.Count}");
        for (int i = 0; i < targets.Length; i++)
        {
            var spec = Manifest.Parameters[i];
            var t = values.Tensors[i];
            if (t.Name != spec.Name || !t.Shape.SequenceEqual(spec.Shape))
                throw new ArgumentException($"{what}: tensor {i} is '{t.Name}' {Graphs.Shapes.Format(t.Shape)}, expected '{spec.Name}' {Graphs.Shapes.Format(spec.Shape)}");
            t.Values.CopyTo(targets[i].GetTensorMutableDataAsSpan<float>());
        }
    }

    public void Dispose()
    {
        foreach (var v in _params.Concat(_paramsNext).Concat(_state).Concat(_stateNext).Concat(_extra.Values)) v.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
