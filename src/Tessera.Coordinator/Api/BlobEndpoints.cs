using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Data;

namespace Tessera.Coordinator.Api;

/// <summary>Immutable downloads: artifacts by sha256, weights by version, data shards. Cached forever by clients.</summary>
public static class BlobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/artifacts/{sha256}", Artifact).Produces(200, contentType: "application/octet-stream").WithSummary("A training artifact (ONNX) by content hash");
        api.MapGet("/weights/{job}/{version:long}", Weights).Produces(200, contentType: "application/octet-stream").WithSummary("Global weights of a version (safetensors)");
        api.MapGet("/shards/{job}/{shard:int}", Shard).Produces(200, contentType: "application/octet-stream")
            .WithSummary("A data shard (safetensors); needs a worker session").RequireRateLimiting(WorkerEndpoints.RateLimitPolicy);
    }

    static IResult Artifact(string sha256, HttpContext ctx, BlobStore blobs, CoordinatorMetrics metrics)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit)) return ApiErrors.BadRequest("sha256 must be 64 hex digits");
        var path = blobs.ArtifactPath(sha256.ToLowerInvariant());
        return File.Exists(path) ? Immutable(ctx, File.ReadAllBytes(path), sha256, metrics) : ApiErrors.NotFound($"no artifact {sha256}");
    }

    static IResult Weights(string job, long version, HttpContext ctx, JobRegistry jobs, BlobStore blobs, CoordinatorMetrics metrics)
    {
        if (jobs.Get(job) is null) return ApiErrors.NotFound($"no job {job}");
        var path = blobs.WeightsPath(job, version);
        return File.Exists(path) ? Immutable(ctx, File.ReadAllBytes(path), $"{job}-v{version}", metrics) : ApiErrors.NotFound($"job {job} has no version {version}");
    }

    static IResult Shard(string job, int shard, HttpContext ctx, RequestAuth auth, JobRegistry jobs, BlobStore blobs, CoordinatorMetrics metrics)
    {
        var (_, error) = auth.Worker(ctx.Request);
        if (error is not null) return error;
        if (jobs.Get(job) is not { } j) return ApiErrors.NotFound($"no job {job}");
        if (shard < 0 || shard >= j.Setup.Shards.Length) return ApiErrors.NotFound($"job {job} has shards 0..{j.Setup.Shards.Length - 1}");
        var bytes = blobs.GetOrCreateShard(job, shard, () =>
            ShardCodec.Encode(j.Setup.Train!, j.Setup.Shards[shard]));
        return Immutable(ctx, bytes, $"{job}-s{shard}", metrics);
    }

    static IResult Immutable(HttpContext ctx, byte[] bytes, string tag, CoordinatorMetrics metrics)
    {
        var etag = $"\"{tag}\"";
        ctx.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        ctx.Response.Headers.ETag = etag;
        if (ctx.Request.Headers[HeaderNames.IfNoneMatch].ToString() == etag) return Results.StatusCode(StatusCodes.Status304NotModified);
        metrics.BytesOut.Add(bytes.Length);
        return Results.Bytes(bytes, "application/octet-stream");
    }
}
