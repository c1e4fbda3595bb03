using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>
/// What a job's robust aggregator did to each update (read-only, public like the dashboard): per round and worker,
/// its share of the aggregate, the factor it was scaled by (clipping), and whether and why it was left out. A worker
/// reads its own with ?worker=; the round counts are in /jobs/{id}/metrics (excluded, clipped).
/// </summary>
public static class FateEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/jobs/{id}/fates", (string id, int? round, string? worker, JobRegistry jobs, Store store) =>
        {
            if (jobs.Get(id) is null) return ApiErrors.NotFound($"no job {id}");
            if (round is < 1) return ApiErrors.BadRequest("round: must be 1 or more");
            if (worker is { Length: > 100 }) return ApiErrors.BadRequest("worker: at most 100 characters");
            return Results.Json(store.Fates(id, round, worker), WireJson.Options);
        }).Produces<List<FateRow>>()
        .WithSummary("What robust aggregation did to each update: share of the aggregate, clip scale, excluded and why; ?round=, ?worker=");
}
