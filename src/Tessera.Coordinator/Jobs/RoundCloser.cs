using System.Diagnostics;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Federation;
using Tessera.Runtime;

namespace Tessera.Coordinator.Jobs;

/// <summary>A closed round, to be applied on the grain's turn: the next model, the round's record, its evaluation, and whether it was the job's last.</summary>
public sealed record ClosedRound(GlobalModel Next, RoundRow Row, EvaluationResult? Eval, bool Last);

/// <summary>
/// The slow part of closing a round, run off the job grain's turn (DESIGN §8: aggregate → noise → server step →
/// evaluate → checkpoint): the round's aggregate (a secure round's unmasked sum, or <see cref="RoundCombiner"/>'s
/// merge or robust rule), the strategy's server step, the coordinator-side evaluation, SCAFFOLD's counted c_i and
/// the checkpoint. It writes only files a re-run overwrites; the grain commits the round once it applies the result.
/// </summary>
public sealed class RoundCloser(string jobId, JobSetup setup, BlobStore blobs, RoundCombiner combiner, CoordinatorMetrics metrics, int evalSamples) : IDisposable
{
    Evaluator? _evaluator;

    public ClosedRound Close(RoundState r, GlobalModel current, IReadOnlyList<RoundPartial>? partials)
    {
        var watch = Stopwatch.StartNew();
        var (aggregate, fates) = r.Secure is { } secure
            ? (secure.Aggregate(r.Round, r.Samples, setup.Plan.Privacy, Federation.Privacy.GaussianNoise.Unpredictable(),
                task => (r.Tasks[task].Samples, r.Tasks[task].Steps)), null)
            : combiner.Combine(r, current, partials);
        var next = setup.Strategy.Apply(current, aggregate);
        double aggregationMs = watch.Elapsed.TotalMilliseconds;
        metrics.AggregationMs.Record(aggregationMs);
        var eval = Evaluates(r.Round) ? Evaluate(next) : null;
        // SCAFFOLD: which workers' c_i this round counted, written before the checkpoint and the commit (ControlVariateStore).
        // A secure round folds nothing into node partials: its survivors are the round's contributors.
        if (setup.UsesControlVariates)
            new ControlVariateStore(blobs).PutCounted(jobId, r.Round, r.Secure is null && partials is not null ? partials.SelectMany(p => p.ClientIds) : r.Contributors);
        blobs.PutCheckpoint(jobId, setup.Template, next);
        var row = r.Closed(jobId, aggregationMs, eval, fates, aggregate.Privacy is { } dp ? (dp, setup.Plan.Privacy!.SpentBy(next)) : null);
        // The budget's round limit assumes every round as planned; a short round (distributed noise after dropouts) may end it sooner.
        return new ClosedRound(next, row, eval, next.Version >= setup.Plan.RoundLimit || setup.Plan.Privacy?.Exhausted(next) == true);
    }

    /// <summary>FedBuff: a server step its buffer took, evaluated and checkpointed like a round.</summary>
    public ClosedRound Step(GlobalModel model, RoundRow row)
    {
        var eval = Evaluates(row.Round) ? Evaluate(model) : null;
        blobs.PutCheckpoint(jobId, setup.Template, model);
        row.TestAccuracy = eval?.Accuracy;
        row.TestLoss = eval?.Loss;
        row.Record(eval?.Metrics, null);   // asynchronous jobs have no federated evaluation (no shared base version)
        row.Closed = DateTimeOffset.UtcNow.ToString("O");
        return new ClosedRound(model, row, eval, model.Version >= setup.Spec.Rounds);
    }

    bool Evaluates(int round) => round % setup.Spec.EvalEvery == 0 || round == setup.Spec.Rounds;

    /// <summary>Coordinator-side evaluation on the spec's test set; null when the job evaluates only where the data is.</summary>
    EvaluationResult? Evaluate(GlobalModel model)
    {
        if (setup.Test is not { } test) return null;
        if (evalSamples > 0 && evalSamples < test.Count) test = test.Select(Enumerable.Range(0, evalSamples).ToArray());
        _evaluator ??= new Evaluator(setup.Model, 500);
        return _evaluator.Evaluate(setup.Template.WithValues(model.Weights), test);
    }

    public void Dispose() => _evaluator?.Dispose();
}
