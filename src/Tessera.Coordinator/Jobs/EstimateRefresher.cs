using Microsoft.Extensions.Hosting;

namespace Tessera.Coordinator.Jobs;

/// <summary>
/// A job created before any worker could take it (its workers join with its own token afterwards) has a cost but no
/// ETA. Every couple of seconds such a job is estimated again; the first estimate with an ETA is kept, made at that
/// moment, and the job's actual duration is then counted from it.
/// </summary>
public sealed class EstimateRefresher(JobRegistry jobs, JobEstimates estimates) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        while (await timer.WaitForNextTickAsync(stoppingToken))
            foreach (var job in jobs.All.Where(j => !j.Finished && j.Estimate is { EtaP50Seconds: null }))
                if (await estimates.TryEstimate(job.Setup, job.Id) is { EtaP50Seconds: not null } e)
                    jobs.RecordEstimate(job, JobEstimateView.From(e, DateTimeOffset.UtcNow));
    }
}
