using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Workers;
using Tessera.Federation.Planning;
using Tessera.Graphs.Training;
using Tessera.Runtime;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// Estimates a job on this coordinator's pool: FLOPs from the setup's compiled artifacts and shards, the ETA from
/// each known worker's measured speed (<see cref="WorkerSpeed"/>, FLOP/s turned into this job's samples/s) and availability (share of the time it was live
/// since this node first saw it), and this node's evaluation speed for the rounds' coordinator-side evaluation. Workers live less than <see cref="GoneBelow"/> of the time are left out: they left.
/// </summary>
public sealed class JobEstimates(WorkerRegistry workers, CoordinatorOptions options, ILogger<JobEstimates> log)
{
    public const double GoneBelow = 0.05;

    // Per training artifact (a model and batch), found once: its evaluation artifact's FLOPs per sample and this node's evaluation speed.
    readonly ConcurrentDictionary<string, long> _forward = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, double> _evaluation = new(StringComparer.Ordinal);

    /// <param name="jobId">The job's id when it exists already (workers whose token is scoped to it count), else null.</param>
    public async Task<JobEstimate> Estimate(JobSetup setup, string? jobId)
    {
        var sessions = workers.All.ToDictionary(s => s.Id);
        var profiles = await workers.Profiles(sessions.Values);
        var pool = new List<EstimatedWorker>();
        foreach (var p in profiles)
        {
            var session = sessions[p.Id];
            double availability = session.Availability(options.WorkerTimeout);
            if (availability < GoneBelow || !JobRegistry.Accepts(jobId, setup, p)) continue;
            pool.Add(new EstimatedWorker(p.SpeedFor(setup.Artifact.Manifest.FlopsPerSample), availability,
                p.Datasets.FirstOrDefault(d => d.Name == setup.Spec.Data.Dataset)?.Samples, session.MeanAbsence?.TotalSeconds));
        }
        return Estimator.Estimate(Input(setup, pool));
    }

    /// <summary>The estimate to keep with a job just created, or null (logged) when it cannot be made: the job runs regardless.</summary>
    public async Task<JobEstimate?> TryEstimate(JobSetup setup, string jobId)
    {
        try { return await Estimate(setup, jobId); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "job {Job}: no estimate could be made", jobId);
            return null;
        }
    }

    EstimateInput Input(JobSetup setup, IReadOnlyList<EstimatedWorker> pool)
    {
        int tests = setup.Test?.Count ?? 0;
        if (options.EvalSamples > 0) tests = Math.Min(tests, options.EvalSamples); // the coordinator evaluates on at most this many
        return new EstimateInput
        {
            Spec = setup.Spec, TrainingFlopsPerSample = setup.Artifact.Manifest.FlopsPerSample,
            ForwardFlopsPerSample = _forward.GetOrAdd(setup.Artifact.Sha256,
                _ => ArtifactCompiler.CompileEvaluation(setup.Model, Math.Max(1, setup.Spec.Local.BatchSize)).Manifest.FlopsPerSample),
            ShardSamples = setup.Shards.Select(s => s.Length).Where(n => n > 0).ToArray(), TestSamples = tests, Workers = pool,
            DefaultDeadlineSeconds = options.DefaultDeadline.TotalSeconds, SelectionWindowSeconds = options.SelectionWindow.TotalSeconds,
            WorkerTimeoutSeconds = options.WorkerTimeout.TotalSeconds,
            EvaluationSamplesPerSecond = setup.Test is { } test ? _evaluation.GetOrAdd(setup.Artifact.Sha256, _ => EvaluationSpeed.Measure(setup.Model, test)) : 0,
        };
    }
}
