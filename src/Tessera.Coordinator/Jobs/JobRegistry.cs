using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Workers;
using Tessera.Protocol.Jobs;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// All jobs of this coordinator. At start it resumes every unfinished job from its last checkpoint (a round
/// that did not complete is re-run from scratch), then ticks the round state machines a few times a second.
/// </summary>
public sealed class JobRegistry : BackgroundService
{
    readonly ConcurrentDictionary<string, JobRunner> _jobs = new(StringComparer.Ordinal);
    readonly Store _store;
    readonly BlobStore _blobs;
    readonly WorkerRegistry _workers;
    readonly DataCatalog _data;
    readonly CoordinatorOptions _options;
    readonly CoordinatorMetrics _metrics;
    readonly ILogger<JobRegistry> _log;

    public JobRegistry(Store store, BlobStore blobs, WorkerRegistry workers, DataCatalog data, CoordinatorOptions options, CoordinatorMetrics metrics, ILogger<JobRegistry> log)
    {
        (_store, _blobs, _workers, _data, _options, _metrics, _log) = (store, blobs, workers, data, options, metrics, log);
        Resume();
    }

    public IEnumerable<JobRunner> All => _jobs.Values.OrderBy(j => j.Created);
    public JobRunner? Get(string id) => _jobs.GetValueOrDefault(id);

    public JobRunner? ByJoinToken(string token) =>
        _jobs.Values.FirstOrDefault(j => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(j.JoinToken), System.Text.Encoding.UTF8.GetBytes(token)));

    /// <summary>Parses, validates and starts a job; throws <see cref="JobSpecException"/> naming the bad field.</summary>
    public JobRunner Create(string specText)
    {
        var spec = JobSpecParser.Parse(specText);
        var setup = JobSetup.Create(spec, _data);
        var row = new JobRow
        {
            Id = "j-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)), Name = spec.Name,
            Spec = specText, Status = "running", JoinToken = "jt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Version = 0, Created = DateTimeOffset.UtcNow.ToString("O"),
        };
        var model = setup.Strategy.Initialize(setup.Template.Flatten());
        // Version 0 is written before the job exists in the database, so every recorded version has a checkpoint.
        _blobs.PutArtifact(setup.Artifact);
        _blobs.PutCheckpoint(row.Id, setup.Template, model);
        _store.InsertJob(row);
        var job = new JobRunner(row, setup, model, _store, _blobs, _workers, _data, _options, _metrics, _log);
        _jobs[row.Id] = job;
        _log.LogInformation("job {Job} '{Name}' created: {Model}, {Strategy}, {Rounds} rounds", row.Id, spec.Name, spec.Model, spec.Strategy.Name, spec.Rounds);
        _workers.Changes.Pulse();
        return job;
    }

    void Resume()
    {
        foreach (var row in _store.Jobs())
        {
            try
            {
                var setup = JobSetup.Create(JobSpecParser.Parse(row.Spec), _data);
                _blobs.PutArtifact(setup.Artifact);
                var model = _blobs.LoadCheckpoint(row.Id, row.Version, setup.Template);
                if (row.Status is "running" or "paused")
                {
                    var (tasks, updates) = _store.AbandonOpenRound(row.Id, (int)row.Version + 1);
                    if (tasks + updates > 0)
                        _log.LogWarning("job {Job}: round {Round} was interrupted by a restart; re-running it ({Tasks} tasks abandoned, {Updates} uncounted updates dropped)",
                            row.Id, row.Version + 1, tasks, updates);
                }
                var job = new JobRunner(row, setup, model, _store, _blobs, _workers, _data, _options, _metrics, _log);
                job.RestoreAccuracy(_store.Rounds(row.Id).LastOrDefault(r => r.TestAccuracy is not null)?.TestAccuracy);
                _jobs[row.Id] = job;
            }
            catch (Exception e) when (e is JobSpecException or IOException or JsonException)
            {
                _log.LogError(e, "job {Job} could not be resumed", row.Id);
                _store.SetJobStatus(row.Id, "failed", $"could not resume: {e.Message}");
            }
        }
    }

    /// <summary>A worker is idle when no job has an open task for it: one task at a time per worker.</summary>
    public bool IsIdle(WorkerSession w) => !_jobs.Values.Any(j => j.HasOpenTask(w.Id));

    /// <summary>The first open task for this worker in any job it may serve.</summary>
    public Protocol.Wire.TaskMessage? PendingTask(WorkerSession w, string baseUrl)
    {
        foreach (var job in All)
            if (job.Accepts(w) && job.PendingTask(w, baseUrl) is { } t) return t;
        return null;
    }

    public (JobRunner Job, RoundTask Task)? FindTask(string taskId)
    {
        foreach (var job in _jobs.Values)
            if (job.FindTask(taskId) is { } t) return (job, t);
        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var job in _jobs.Values)
            {
                try { job.Tick(IsIdle); }
                catch (Exception e) { _log.LogError(e, "tick of job {Job} failed", job.Id); }
            }
        }
    }

    public override void Dispose()
    {
        foreach (var j in _jobs.Values) j.Dispose();
        base.Dispose();
    }
}
