using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Federation.Strategies;
using Tessera.Graphs.Training;
using Tessera.Protocol;
using Tessera.Protocol.Wire;
using Protocol = Tessera.Protocol;

namespace Tessera.Coordinator.Api;

/// <summary>SCAFFOLD's downloads, shaped like the weights: the server control variate c of a version, and a worker's own c_i.</summary>
public static class ControlEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/controls/{job}/{version:long}", Server).Produces(200, contentType: "application/octet-stream")
            .WithSummary("SCAFFOLD: the server control variate c of a version (safetensors named and shaped like the weights)");
        api.MapGet("/controls/{job}/{version:long}/workers/{worker}", Client).Produces(200, contentType: "application/octet-stream")
            .WithSummary("SCAFFOLD: a worker's control variate c_i as of a version (the current one; superseded c_i are pruned); the worker's own session or the admin key")
            .RequireRateLimiting(WorkerEndpoints.RateLimitPolicy);
        api.MapGet("/controls/{job}/rounds/{round:int}/workers/{worker}", Counted).Produces<ControlCounted>()
            .WithSummary("SCAFFOLD under secure aggregation: whether a committed round counted the worker's input, so it may add its Δc_i to the c_i it keeps; the worker's own session or the admin key")
            .RequireRateLimiting(WorkerEndpoints.RateLimitPolicy);
    }

    static async Task<IResult> Counted(string job, int round, string worker, HttpContext ctx, RequestAuth auth, JobRegistry jobs, ControlVariateStore controls)
    {
        if (OwnOnly(ctx, auth, worker) is { } refused) return refused;
        if (jobs.Get(job) is not { } j) return ApiErrors.NotFound($"no job {job}");
        if (!j.Setup.UsesControlVariates) return ApiErrors.NotFound($"job {job} is not a SCAFFOLD job; it has no control variates");
        long current = await j.Version();
        if (round < 1 || round > current) return ApiErrors.NotFound($"job {job} is on version {current}; round {round} has not been committed");
        bool counted;
        try { counted = controls.WasCounted(job, round, worker); }
        catch (ArgumentException e) { return ApiErrors.BadRequest($"worker: {e.Message}"); }
        ctx.Response.Headers.CacheControl = "no-store";
        return Results.Json(new ControlCounted(round, counted), WireJson.Options);
    }

    /// <summary>A worker may read only what is its own; the admin key reads anyone's.</summary>
    static IResult? OwnOnly(HttpContext ctx, RequestAuth auth, string worker)
    {
        if (auth.IsAdmin(ctx.Request)) return null;
        var (w, error) = auth.Worker(ctx.Request);
        if (error is not null) return error;
        return w!.Id != worker ? ApiErrors.Forbidden($"a worker may read only its own control variate, not {worker}'s") : null;
    }

    static IResult Server(string job, long version, HttpContext ctx, JobRegistry jobs, BlobStore blobs, CoordinatorMetrics metrics)
    {
        if (jobs.Get(job) is not { } j) return ApiErrors.NotFound($"no job {job}");
        if (!j.Setup.UsesControlVariates) return ApiErrors.NotFound($"job {job} is not a SCAFFOLD job; it has no control variates");
        if (!File.Exists(blobs.WeightsPath(job, version))) return ApiErrors.NotFound($"job {job} has no version {version}");
        var model = blobs.LoadCheckpoint(job, version, j.Setup.Template);
        var c = model.State.Get(Scaffold.ControlVariateKey) ?? new float[j.Setup.Template.Count];
        // A version's c never changes once written.
        ctx.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Send(j.Setup.Template, c, metrics);
    }

    static async Task<IResult> Client(string job, long version, string worker, HttpContext ctx, RequestAuth auth, JobRegistry jobs,
        ControlVariateStore controls, CoordinatorMetrics metrics)
    {
        if (OwnOnly(ctx, auth, worker) is { } refused) return refused;
        if (jobs.Get(job) is not { } j) return ApiErrors.NotFound($"no job {job}");
        if (!j.Setup.UsesControlVariates) return ApiErrors.NotFound($"job {job} is not a SCAFFOLD job; it has no control variates");
        long current = await j.Version();
        if (version < 0 || version > current) return ApiErrors.NotFound($"job {job} is on version {current}; version {version} has no control variates yet");
        float[] ci;
        try { ci = controls.Load(job, worker, version, j.Setup.Template); }
        catch (ArgumentException e) { return ApiErrors.BadRequest($"worker: {e.Message}"); }
        ctx.Response.Headers.CacheControl = "no-store";
        return Send(j.Setup.Template, ci, metrics);
    }

    static IResult Send(ParameterSet template, float[] values, CoordinatorMetrics metrics)
    {
        var file = new SafetensorsFile(template.WithValues(values).Tensors.Select(t => Protocol.NamedTensor.FromFloats(t.Name, t.Shape, t.Values)));
        var bytes = file.ToBytes();
        metrics.BytesOut.Add(bytes.Length);
        return Results.Bytes(bytes, "application/octet-stream");
    }
}
