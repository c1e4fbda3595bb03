using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;

namespace Tessera.Coordinator.Api;

/// <summary>
/// A secure round's stages over the task protocol (privacy.secure_aggregation), each under the task's own URL and the
/// worker's session: POST a stage message, GET the next stage's payload (long-polled: 202 when the stage is still open
/// after ?wait= seconds). Stages, in order: keys → neighbours → shares (POST, then GET) → input → unmask (GET, then POST).
/// </summary>
public static class SecAggEndpoints
{
    static readonly string[] Stages = ["keys", "neighbours", "shares", "input", "unmask"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/tasks/{id}/secagg/{stage}", Post).Produces(200).Produces(StatusCodes.Status409Conflict)
            .WithSummary("Send a secure round's stage message (keys, shares, input, unmask) as JSON").RequireRateLimiting(WorkerEndpoints.RateLimitPolicy);
        api.MapGet("/tasks/{id}/secagg/{stage}", Get).Produces(200).Produces(StatusCodes.Status202Accepted)
            .WithSummary("Long-poll (?wait=seconds) a secure round's stage payload (neighbours, shares, unmask); 202 while the stage is open").RequireRateLimiting(WorkerEndpoints.RateLimitPolicy);
    }

    static async Task<IResult> Post(string id, string stage, HttpRequest req, RequestAuth auth, JobRegistry jobs)
    {
        var (job, refused) = await SecureTask(id, stage, req, auth, jobs);
        if (refused is not null) return refused;
        // A masked input is 4 bytes a word, base64 in JSON: about 5.4 bytes a word; the key stages are small.
        long limit = 6L * (job.Setup.Template.Count + 2) + (1 << 20);
        if (req.ContentLength > limit) return ApiErrors.TooLarge($"a {stage} message of this job is at most {limit} bytes");
        using var ms = new MemoryStream();
        await req.Body.CopyToAsync(ms, req.HttpContext.RequestAborted);
        if (ms.Length > limit) return ApiErrors.TooLarge($"a {stage} message of this job is at most {limit} bytes");
        if (ms.Length == 0) return ApiErrors.BadRequest($"the {stage} message is empty");
        var reply = await job.Grain.SecAgg(id, stage, ms.ToArray());
        job.Changes.Pulse();
        return Result(reply);
    }

    static async Task<IResult> Get(string id, string stage, double? wait, HttpRequest req, RequestAuth auth, JobRegistry jobs)
    {
        var (job, refused) = await SecureTask(id, stage, req, auth, jobs);
        if (refused is not null) return refused;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Clamp(wait ?? 10, 0, 30));
        while (true)
        {
            // Listen before asking, so a stage that closes between the two still wakes this poll.
            var changed = job.Changes.WaitAsync(TimeSpan.FromMilliseconds(500), req.HttpContext.RequestAborted);
            var reply = await job.Grain.SecAgg(id, stage, null);
            if (reply.Status != StatusCodes.Status202Accepted || DateTime.UtcNow >= until) return Result(reply);
            try { await changed; } catch (TimeoutException) { }
        }
    }

    /// <summary>The worker's own task of a secure round, or the 4xx that says why not.</summary>
    static async Task<(JobHandle Job, IResult? Refused)> SecureTask(string id, string stage, HttpRequest req, RequestAuth auth, JobRegistry jobs)
    {
        var (w, error) = auth.Worker(req);
        if (error is not null) return (null!, error);
        if (!Stages.Contains(stage)) return (null!, ApiErrors.NotFound($"no secure-aggregation stage '{stage}'"));
        var (found, notYours) = await WorkerEndpoints.OwnTask(jobs, id, w!);
        if (notYours is not null) return (null!, notYours);
        if (found!.Value.Task.Secure is null) return (null!, ApiErrors.Conflict($"task {id} is not in a secure round"));
        return (found.Value.Job, null);
    }

    static IResult Result(SecAggReply reply) =>
        reply.Error is { } why && reply.Status != StatusCodes.Status202Accepted ? ApiErrors.Error(reply.Status, why)
        : Results.Content(reply.Json ?? "{}", "application/json", statusCode: reply.Status);
}
