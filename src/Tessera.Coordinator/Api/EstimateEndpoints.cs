using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Federation.Planning;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>What a job would cost and how long it would take on this coordinator's pool, asked before creating it.</summary>
public sealed record EstimateResponse(string Name, string Basis, JobEstimate Estimate);

/// <summary>POST /jobs/estimate: the same spec bodies job creation takes (admin key); nothing is created.</summary>
public static class EstimateEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/jobs/estimate", Estimate).Produces<EstimateResponse>()
            .WithSummary("FLOPs (training, evaluation, verification), credits, rounds and a p50/p90 ETA on the live pool for a job spec, before it runs (admin key)");
    }

    static async Task<IResult> Estimate(HttpRequest req, RequestAuth auth, DataCatalog data, BlobStore blobs, JobEstimates estimates)
    {
        if (auth.RequireAdmin(req) is { } denied) return denied;
        try
        {
            var (spec, _) = req.HasFormContentType ? await JobEndpoints.Multipart(req, blobs) : await JobEndpoints.PlainSpec(req);
            // The setup a job would get (artifact, shards), built and dropped: no job, no checkpoint, no database row.
            var setup = JobSetup.Create(spec, data, blobs.GetModel);
            var estimate = await estimates.Estimate(setup, jobId: null);
            return Results.Json(new EstimateResponse(spec.Name, $"live pool of {estimate.Workers} workers (measured speeds and availability)", estimate), WireJson.Options);
        }
        catch (JobSpecException e) { return ApiErrors.BadRequest(e.Message); }
    }
}
