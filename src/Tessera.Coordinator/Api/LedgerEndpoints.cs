using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// What contributors earned and why (read-only, public like the dashboard): credit per contributor split by
/// status (granted, pending, revoked, unverifiable), task-level entries with the reason of each revocation, and
/// a job's audits (every replay's verdict) and the trust it holds in each worker.
/// </summary>
public static class LedgerEndpoints
{
    public const int MaxEntries = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/ledger", (string? job, Store store) => Results.Json(store.LedgerTotals(job), WireJson.Options)).Produces<List<LedgerTotal>>()
            .WithSummary("Credits per contributor (GFLOP of assigned training) by status: granted, pending, revoked, unverifiable; ?job= for one job");
        api.MapGet("/ledger/entries", Entries).Produces<List<LedgerEntry>>()
            .WithSummary($"Task-level ledger entries, newest first, with the reason of each revocation; ?job=, ?worker=, ?limit= (1..{MaxEntries})");
        api.MapGet("/jobs/{id}/audits", Audits).Produces<JobAudits>()
            .WithSummary("A job's replay audits (relative error, bit-identical chain, latency, verdict) and its trust in each worker");
    }

    static IResult Entries(string? job, string? worker, int? limit, Store store)
    {
        if (limit is < 1 or > MaxEntries) return ApiErrors.BadRequest($"limit: must be 1..{MaxEntries}");
        if (job is { Length: > 100 } || worker is { Length: > 100 }) return ApiErrors.BadRequest("job, worker: at most 100 characters");
        return Results.Json(store.LedgerEntries(job, worker, limit ?? 100), WireJson.Options);
    }

    static IResult Audits(string id, JobRegistry jobs, Store store)
    {
        if (jobs.Get(id) is null) return ApiErrors.NotFound($"no job {id}");
        var trust = store.Trust(id).Select(kv => new WorkerTrust(kv.Key, kv.Value.ConsecutivePasses, kv.Value.Audits, kv.Value.Tasks, kv.Value.Banned, kv.Value.Reason)).ToList();
        return Results.Json(new JobAudits(store.Audits(id), trust), WireJson.Options);
    }
}

/// <summary>A worker's standing in one job: consecutive passed audits, audits, tasks counted, and whether (and why) it is banned.</summary>
public sealed record WorkerTrust(string WorkerId, int ConsecutivePasses, int Audits, int Tasks, bool Banned, string? Reason);

public sealed record JobAudits(IReadOnlyList<AuditRow> Audits, IReadOnlyList<WorkerTrust> Trust);
