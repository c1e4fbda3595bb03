using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Orleans.Runtime;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Telemetry;
using Tessera.Coordinator.Trust;
using Tessera.Federation.Trust;
using Tessera.Coordinator.Workers;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>The worker side of the protocol: join, long-poll for a task, heartbeat, upload a result or decline the task.</summary>
public static class WorkerEndpoints
{
    public const string RateLimitPolicy = "worker";

    static readonly SemaphoreSlim UploadGate = new(Math.Max(2, 2 * Environment.ProcessorCount));

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/workers/join", Join).Accepts<JoinRequest>("application/json").Produces<JoinResponse>()
            .WithSummary("Join with a job or pool token and capabilities; returns a session bearer token").RequireRateLimiting(RateLimitPolicy);
        api.MapGet("/tasks/next", Next).Produces<TaskMessage>().Produces(StatusCodes.Status204NoContent)
            .WithSummary("Long-poll (?wait=seconds) for this worker's next task; 204 when none came in time").RequireRateLimiting(RateLimitPolicy);
        api.MapPost("/workers/heartbeat", Heartbeat).Accepts<HeartbeatRequest>("application/json").Produces<HeartbeatResponse>()
            .WithSummary("Keeps the session live while training; says whether the task is still wanted").RequireRateLimiting(RateLimitPolicy);
        api.MapPost("/tasks/{id}/result", Result).Produces<ResultResponse>()
            .WithSummary("Upload a task's update delta as safetensors (tensors named like the parameters + metadata)").RequireRateLimiting(RateLimitPolicy);
        api.MapPost("/tasks/{id}/decline", Decline).Accepts<DeclineRequest>("application/json").Produces(StatusCodes.Status204NoContent)
            .WithSummary("Give a task back with a reason (the worker cannot do it); the round invites another worker").RequireRateLimiting(RateLimitPolicy);
    }

    static async Task<IResult> Join(HttpRequest req, WorkerRegistry workers, JobRegistry jobs, CoordinatorOptions options)
    {
        var (body, error) = await JsonBody.Read<JoinRequest>(req);
        if (error is not null) return error;
        if (string.IsNullOrEmpty(body!.Token)) return ApiErrors.BadRequest("token: a join token is required");
        string? scope;
        if (options.PoolToken is { } pool && body.Token == pool) scope = null;
        else if (jobs.ByJoinToken(body.Token) is { } job) scope = job.Id;
        else return ApiErrors.Unauthorized("token: not a valid join token for any job or pool");
        var caps = body.Capabilities;
        if (caps.Cores < 0 || caps.MemoryMb < 0 || !double.IsFinite(caps.SamplesPerSecond) || caps.SamplesPerSecond < 0)
            return ApiErrors.BadRequest("capabilities: cores, memory_mb and samples_per_second must be finite and non-negative");
        if (body.Name is { Length: > 100 }) return ApiErrors.BadRequest("name: at most 100 characters");
        var (session, token) = await workers.Join(body.Name, scope, caps);
        return Results.Json(new JoinResponse(session.Id, token, options.HeartbeatInterval.TotalSeconds), WireJson.Options);
    }

    static async Task<IResult> Next(HttpRequest req, RequestAuth auth, JobRegistry jobs, CoordinatorOptions options, double? wait)
    {
        var (w, error) = auth.Worker(req);
        if (error is not null) return error;
        var timeout = TimeSpan.FromSeconds(Math.Clamp(wait ?? 20, 0, options.MaxLongPoll.TotalSeconds));
        var until = DateTimeOffset.UtcNow + timeout;
        var ct = req.HttpContext.RequestAborted;
        w!.BeginPoll();
        try
        {
            while (true)
            {
                // Take the signal before checking, so a pulse between the check and the wait is not missed. It is this
                // worker's own (pulsed when a tick hands it a task), so 10,000 idle polls do not all wake on every change.
                var signal = w.Wakeup.WaitAsync(Timeout.InfiniteTimeSpan, ct);
                if (await jobs.PendingTask(w, "") is { } task) return Results.Json(task, WireJson.Options);
                var left = until - DateTimeOffset.UtcNow;
                if (left <= TimeSpan.Zero) return Results.NoContent();
                try { await signal.WaitAsync(left, ct); }
                catch (TimeoutException) { return Results.NoContent(); }
                catch (OperationCanceledException) { return Results.NoContent(); }
            }
        }
        finally { w.EndPoll(); }
    }

    static async Task<IResult> Heartbeat(HttpRequest req, RequestAuth auth, JobRegistry jobs)
    {
        var (w, error) = auth.Worker(req);
        if (error is not null) return error;
        var (body, bad) = await JsonBody.Read<HeartbeatRequest>(req);
        if (bad is not null) return bad;
        bool wanted = body!.TaskId is not { } id || (await jobs.FindTask(id) is { } found && found.Task.WorkerId == w!.Id && await found.Job.Grain.StillWanted(id));
        return Results.Json(new HeartbeatResponse(wanted), WireJson.Options);
    }

    /// <summary>The task, when it exists and belongs to this worker; otherwise the 404 or 403 to answer.</summary>
    internal static async Task<((JobHandle Job, TaskInfo Task)? Found, IResult? Error)> OwnTask(JobRegistry jobs, string id, WorkerSession w)
    {
        var found = await jobs.FindTask(id);
        if (found is null) return (null, ApiErrors.NotFound($"unknown task {id} (tasks of a round interrupted by a coordinator restart are void)"));
        if (found.Value.Task.WorkerId != w.Id) return (null, ApiErrors.Forbidden($"task {id} is assigned to another worker"));
        return (found, null);
    }

    static async Task<IResult> Decline(string id, HttpRequest req, RequestAuth auth, JobRegistry jobs)
    {
        var (w, error) = auth.Worker(req);
        if (error is not null) return error;
        var (body, bad) = await JsonBody.Read<DeclineRequest>(req);
        if (bad is not null) return bad;
        if (string.IsNullOrWhiteSpace(body!.Reason)) return ApiErrors.BadRequest("reason: say why the task is declined");
        if (body.Reason.Length > 500) return ApiErrors.BadRequest("reason: at most 500 characters");
        var (found, notYours) = await OwnTask(jobs, id, w!);
        if (notYours is not null) return notYours;
        // The reason goes to the log: one line, no control characters.
        var reason = new string(body.Reason.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        if (await found!.Value.Job.Grain.Decline(id, reason) is { } why) return ApiErrors.Conflict(why);
        return Results.NoContent();
    }

    static async Task<IResult> Result(string id, HttpContext ctx, RequestAuth auth, JobRegistry jobs, NodeAggregators nodes, WorkerRegistry workers, CoordinatorMetrics metrics,
        ControlVariateStore controls, BlobStore blobs, ILocalSiloDetails silo, TaskReplayer replayer)
    {
        var (w, error) = auth.Worker(ctx.Request);
        if (error is not null) return error;
        var (found, notYours) = await OwnTask(jobs, id, w!);
        if (notYours is not null) return Rejected(notYours);
        var (job, task) = found!.Value;
        if (await job.Grain.CheckUpload(task.Id) is { } why) return Rejected(ApiErrors.Conflict(why));

        var encoding = job.Setup.Spec.Upload.ForTask();
        // SCAFFOLD uploads carry Δc_i (dense) as well.
        long limit = CompressedUploadDecoder.MaxBodyBytes(job.Setup.Template, encoding) + (job.Setup.UsesControlVariates ? job.Setup.Template.Count * 4 : 0);
        if (ctx.Request.ContentLength is { } length && length > limit)
            return Rejected(ApiErrors.TooLarge($"body of {length} bytes exceeds the {limit}-byte limit for this model's update"));
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        // Bounded concurrency: memory is O(gate width x model), however many workers upload at once; the rest
        // wait with their bodies still in the socket (TCP backpressure), not in our heap.
        await UploadGate.WaitAsync(ctx.RequestAborted);
        // The delta decodes into a reused array; it goes back unless something may still hold it (an audit's replay).
        var delta = DeltaBuffers.Rent((int)job.Setup.Template.Count);
        bool recycle = true;
        try
        {
            var (upload, wireBytes, gzipped) = await UploadBody.ReadAsync(ctx.Request, limit);
            using var body = upload;
            metrics.BytesIn.Add(wireBytes, new KeyValuePair<string, object?>("codec", encoding?.Codec ?? UploadEncoding.F32),
                new KeyValuePair<string, object?>("compression", gzipped ? UploadEncoding.Gzip : UploadEncoding.NoCompression));

            var (update, envelope) = UploadDecoder.Decode(body.Memory.Span, task, job.Setup.Template, job.Setup.Spec.Local.BatchSize, w!.Id, encoding, job.Setup.UsesControlVariates, delta);
            // The commitment must chain for this task and worker before an audit is drawn: a worker cannot pick its links afterwards.
            // A verifier's re-run commits under the task and worker it re-runs.
            if (job.Setup.Verifiable && ReplayAudit.CheckChain(task.VerifiesTask ?? task.Id, task.VerifiesWorker ?? w.Id, task.Version, envelope.Steps,
                    job.Setup.Spec.Verification.CommitEvery, envelope.Commitment, envelope.Checkpoints) is { } broken)
                return Rejected(ApiErrors.BadRequest($"commitment: {broken}"));
            // The job grain claims the task for this node (small notice) and draws whether to audit it, this node
            // replays it if so and folds the tensors, then the grain counts it and remembers that this node's partial holds it.
            var ticket = await job.Grain.Reserve(task.Id, silo.SiloAddress);
            if (ticket.Error is { } refused) return Rejected(ApiErrors.Conflict(refused));
            if (task.VerifiesTask is not null)
            {
                recycle = false;
                return await VerificationUploads.Vote(job, task, w.Id, update, envelope, workers, nodes, blobs, silo, replayer);
            }
            if (ticket.Held)
            {
                // replay: workers — kept (never folded) until trusted workers have re-run the task and agree.
                try { BlobStore.WriteAtomic(blobs.HeldUpdatePath(job.Id, task.Id), body.Memory.Span); }
                catch { await job.Grain.Release(task.Id); throw; }
                return Results.Json(new ResultResponse(false, task.Id, task.Round, 0, PendingAudit: true), WireJson.Options, statusCode: StatusCodes.Status202Accepted);
            }
            int? stepped = null;
            AuditNotice? audit = null;
            try
            {
                if (ticket.Audit)
                {
                    recycle = false;
                    audit = await Audit(replayer, job, task, w.Id, update.Delta, envelope, workers);
                    if (!audit.Passed)
                    {
                        bool banned = await job.Grain.Refused(task.Id, audit);
                        return Rejected(ApiErrors.Error(StatusCodes.Status422UnprocessableEntity, (audit.Inconclusive, banned) switch
                        {
                            (true, false) => $"update left out: its audit was inconclusive ({audit.Reason}); it is not counted, its credit is held until a later audit of worker {w.Id} passes, and the worker is audited on every task again",
                            (true, true) => $"update left out and worker {w.Id} banned from job {job.Id}: {job.Setup.Spec.Verification.InconclusiveLimit} inconclusive audits in a row ({audit.Reason}); its pending and held credit is revoked",
                            _ => $"update failed its audit: {audit.Reason}; worker {w.Id} is banned from job {job.Id} and its pending credit is revoked",
                        }));
                    }
                }
                // c_i⁺ is written before the fold; it only counts once the round commits with this worker counted.
                if (update.ControlVariateDelta is { } dc) controls.Advance(job.Id, w.Id, task.Version, ticket.Round, job.Setup.Template, dc);
                if (ticket.Async) stepped = nodes.FoldAsync(job.Id, task.Id, w.Id, update, envelope.Commitment, body.Length, envelope.LossTrace);
                else nodes.Fold(job.Id, ticket.Round, ticket.Attempt,
                    () => job.Setup.OpenRound(job.Id, ticket.Round, ticket.Attempt, blobs.LoadCheckpoint(job.Id, task.Version, job.Setup.Template), blobs, silo.SiloAddress.ToParsableString()), update);
            }
            catch
            {
                await job.Grain.Release(task.Id);
                throw;
            }
            var folded = await job.Grain.Folded(UpdateNotice.Of(task.Id, w.Id, update, envelope, body.Length, stepped, silo.SiloAddress, audit));
            if (folded.Error is { } lost) return Rejected(ApiErrors.Conflict(lost));
            await workers.RecordTiming(w, task.Id, job.Setup.Credit.AssignedSamples(task.Steps), job.Setup.Artifact.Manifest.FlopsPerSample, envelope.SamplesPerSecond);
            return Results.Json(new ResultResponse(true, task.Id, task.Round, folded.RoundUpdates), WireJson.Options);
        }
        catch (UploadRejectedException e) { return Rejected(ApiErrors.Error(e.Status, e.Message)); }
        finally
        {
            if (recycle) DeltaBuffers.Return(delta);
            UploadGate.Release();
        }

        IResult Rejected(IResult r)
        {
            metrics.UpdatesRejected.Add(1);
            return r;
        }
    }

    /// <summary>Replays the task (at most cpu_share of the cores replay at once) and reports the verdict with the worker's runtime.</summary>
    static async Task<AuditNotice> Audit(TaskReplayer replayer, JobHandle job, TaskInfo task, string workerId, float[] claimed, UpdateEnvelope envelope, WorkerRegistry workers)
    {
        var (verdict, ms) = await replayer.Audit(job, task, workerId, claimed, envelope);
        string? runtime = (await workers.Profile(workerId))?.Runtime;
        return AuditNotice.Of(verdict, ms, runtime);
    }
}
