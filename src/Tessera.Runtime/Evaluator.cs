using Microsoft.ML.OnnxRuntime;
using Tessera.Graphs;
using Tessera.Graphs.Training;

namespace Tessera.Runtime;

/// <param name="Metrics">Metrics beyond loss and accuracy (auc, f1, mse, mae, perplexity), as <see cref="QualityMetrics"/> decides.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, long Samples, long Correct, IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>
/// Evaluates weights on a data set with the model's evaluation artifact. Every sample counts exactly once:
/// a remainder smaller than the batch size runs through a second artifact compiled for that size.
/// </summary>
public sealed class Evaluator : IDisposable
{
    readonly TrainableModel _model;
    readonly RuntimeOptions _options;
    readonly Dictionary<int, (Artifact Artifact, InferenceSession Session)> _sessions = new();
    public int BatchSize { get; }
    public DType InputType => _model.Input.Type;
    public TrainableModel Model => _model;

    public Evaluator(TrainableModel model, int batchSize = 500, RuntimeOptions? options = null)
    {
        _model = model;
        _options = options ?? RuntimeOptions.Default;
        BatchSize = batchSize;
    }

    /// <param name="inputs">All samples' inputs, row-major: float features or (for token models) null with <paramref name="tokens"/>.</param>
    public EvaluationResult Evaluate(ParameterSet weights, float[]? inputs, long[]? tokens, long[]? labels, float[]? targets, long count)
    {
        if (count == 0) throw new ArgumentException("evaluation needs at least one sample");
        long sample = Shapes.Numel(_model.SampleShape), label = Shapes.Numel(_model.LabelShape);
        double lossSum = 0, correct = 0;
        long full = count / BatchSize, rest = count % BatchSize;
        if (full > 0) Run(BatchSize, 0, (int)full);
        if (rest > 0) Run((int)rest, full * BatchSize, 1);
        long predictions = count * Math.Max(1, label);
        return new EvaluationResult(lossSum / count, correct / predictions, count, (long)correct);

        void Run(int batch, long first, int batches)
        {
            var (artifact, session) = Session(batch);
            long n = (long)batch * batches;
            var data = new BatchData
            {
                Steps = batches,
                Features = inputs is null ? null : inputs.AsSpan((int)(first * sample), (int)(n * sample)).ToArray(),
                Tokens = tokens is null ? null : tokens.AsSpan((int)(first * sample), (int)(n * sample)).ToArray(),
                Labels = labels is null ? null : labels.AsSpan((int)(first * label), (int)(n * label)).ToArray(),
                Targets = targets is null ? null : targets.AsSpan((int)(first * label), (int)(n * label)).ToArray(),
            };
            var (x, y) = OrtTensors.WrapBatches(artifact.Manifest, data);
            var owned = new List<OrtValue> { x, y };
            try
            {
                using var io = session.CreateIoBinding();
                io.BindInput("x", x);
                io.BindInput("y", y);
                foreach (var t in weights.Tensors)
                {
                    var v = OrtTensors.Wrap(t.Values, t.Shape);
                    owned.Add(v);
                    io.BindInput(ArtifactManifest.ParamPrefix + t.Name, v);
                }
                var losses = OrtTensors.Allocate([batches]);
                var hits = OrtTensors.Allocate([batches]);
                owned.Add(losses); owned.Add(hits);
                io.BindOutput("losses", losses);
                io.BindOutput("correct", hits);
                using var run = new RunOptions();
                session.RunWithBinding(run, io);
                foreach (var l in losses.GetTensorDataAsSpan<float>()) lossSum += (double)l * batch;
                foreach (var c in hits.GetTensorDataAsSpan<float>()) correct += c;
            }
            finally { foreach (var v in owned) v.Dispose(); }
        }
    }

    public EvaluationResult Evaluate(ParameterSet weights, float[] inputs, long[] labels) =>
        Evaluate(weights, inputs, null, labels, null, labels.LongLength / Math.Max(1, Shapes.Numel(_model.LabelShape)));

    (Artifact, InferenceSession) Session(int batch)
    {
        if (!_sessions.TryGetValue(batch, out var s))
        {
            var artifact = ArtifactCompiler.CompileEvaluation(_model, batch);
            s = (artifact, SessionFactory.Create(artifact.Bytes, _options));
            _sessions[batch] = s;
        }
        return s;
    }

    public void Dispose()
    {
        foreach (var (_, s) in _sessions.Values) s.Dispose();
    }
}
