using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Coordinator.Workers;
using Tessera.Graphs.Interop;
using Tessera.Protocol;
using Tessera.Protocol.Jobs;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

public sealed record JobCreated(string Id, string JoinToken, JobSnapshot Job);
/// <summary>
/// A worker as admins see it. SamplesPerSecond is the measurement on its latest task's job once a task came back (the
/// claim before), with the claim beside it; MeasuredFlops is the same measurement in FLOP/s, which routing converts per job.
/// </summary>
public sealed record WorkerInfo(string Id, string Name, string Runtime, int Cores, double SamplesPerSecond, bool Live, bool Polling, DateTimeOffset LastSeen,
    double ClaimedSpeed, double? MeasuredSpeed, bool SpeedClaimInflated, double Availability, double? MeasuredFlops, double? MeanAbsenceSeconds);

/// <summary>Job management (admin key) and read-only job views: status, per-round metrics, live events, the model.</summary>
public static class JobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/jobs", Create).Produces<JobCreated>(201)
            .WithSummary("Create a job from a YAML or JSON spec (admin key)");
        api.MapGet("/jobs", async (JobRegistry jobs) =>
        {
            var list = new List<JobSnapshot>();
            foreach (var j in jobs.All) list.Add(await jobs.Snapshot(j));
            return Results.Json(list, WireJson.Options);
        }).Produces<List<JobSnapshot>>();
        api.MapGet("/jobs/{id}", async (string id, JobRegistry jobs) =>
            jobs.Get(id) is { } j ? Results.Json(await jobs.Snapshot(j), WireJson.Options) : ApiErrors.NotFound($"no job {id}")).Produces<JobSnapshot>();
        foreach (var (verb, status) in new[] { ("pause", JobStatus.Paused), ("resume", JobStatus.Running), ("cancel", JobStatus.Cancelled) })
            api.MapPost($"/jobs/{{id}}/{verb}", async (string id, HttpRequest req, RequestAuth auth, JobRegistry jobs) =>
            {
                if (auth.RequireAdmin(req) is { } denied) return denied;
                if (jobs.Get(id) is not { } j) return ApiErrors.NotFound($"no job {id}");
                return await j.SetStatus(status) is { } why ? ApiErrors.Conflict(why) : Results.Json(await jobs.Snapshot(j), WireJson.Options);
            }).Produces<JobSnapshot>().WithSummary($"{verb} a job (admin key)");
        api.MapGet("/jobs/{id}/metrics", (string id, JobRegistry jobs, Store store) =>
            jobs.Get(id) is null ? ApiErrors.NotFound($"no job {id}") : Results.Json(store.Rounds(id), WireJson.Options)).Produces<List<RoundRow>>()
            .WithSummary("Per-round metrics: updates, samples, losses, test accuracy, aggregation time");
        api.MapGet("/jobs/{id}/model", Model).Produces(200, contentType: "application/octet-stream")
            .WithSummary("The global model: ?format=onnx (inference model) or safetensors (weights); ?version=N for an earlier one (default the latest)");
        api.MapGet("/jobs/{id}/events", Events).Produces(200, contentType: "text/event-stream").WithSummary("Server-sent events of the job's live status");
        api.MapGet("/workers", async (HttpRequest req, RequestAuth auth, WorkerRegistry workers, CoordinatorOptions o) =>
        {
            if (auth.RequireAdmin(req) is { } denied) return denied;
            var sessions = workers.All.ToList();
            var profiles = (await workers.Profiles(sessions)).ToDictionary(p => p.Id);
            return Results.Json(sessions.Where(w => profiles.ContainsKey(w.Id)).Select(w => profiles[w.Id] is var p ? new WorkerInfo(w.Id, w.Name, p.Runtime, p.Cores,
                p.Speed, w.IsLive(o.WorkerTimeout), w.IsPolling, w.LastSeen, p.ClaimedSpeed, p.MeasuredSpeed > 0 ? p.MeasuredSpeed : null, p.SpeedClaimInflated,
                w.Availability(o.WorkerTimeout), p.MeasuredFlops > 0 ? p.MeasuredFlops : null, w.MeanAbsence?.TotalSeconds) : null!).ToList(), WireJson.Options);
        }).Produces<List<WorkerInfo>>().WithSummary("Workers (admin key)");
    }

    static async Task<IResult> Create(HttpRequest req, RequestAuth auth, JobRegistry jobs, BlobStore blobs, JobEstimates estimates)
    {
        if (auth.RequireAdmin(req) is { } denied) return denied;
        try
        {
            var (spec, text) = req.HasFormContentType ? await Multipart(req, blobs) : await PlainSpec(req);
            var job = jobs.Create(spec, text);
            if (await estimates.TryEstimate(job.Setup, job.Id) is { } estimate) jobs.RecordEstimate(job, JobEstimateView.From(estimate, job.Created));
            return Results.Json(new JobCreated(job.Id, job.JoinToken, await jobs.Snapshot(job)), WireJson.Options, statusCode: 201);
        }
        catch (JobSpecException e) { return ApiErrors.BadRequest(e.Message); }
    }

    internal static async Task<(JobSpec, string)> PlainSpec(HttpRequest req)
    {
        string text;
        using (var reader = new StreamReader(req.Body, Encoding.UTF8)) text = await reader.ReadToEndAsync(req.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) throw new JobSpecException("(root)", "the body must be a job spec (YAML or JSON)");
        return (JobSpecParser.Parse(text), text);
    }

    /// <summary>
    /// A spec (form field or file "spec") with the ONNX model it names in model.onnx as a file part of that name. The
    /// model is kept by sha256 and the stored spec names that hash, so a restart needs no upload again.
    /// </summary>
    internal static async Task<(JobSpec, string)> Multipart(HttpRequest req, BlobStore blobs)
    {
        IFormCollection form;
        try { form = await req.ReadFormAsync(req.HttpContext.RequestAborted); }
        catch (Exception e) when (e is InvalidDataException or IOException)
        { throw new JobSpecException("(root)", $"unreadable multipart body: {e.Message}"); }
        string? text = form["spec"].FirstOrDefault();
        if (text is null && form.Files.GetFile("spec") is { } specFile)
            using (var r = new StreamReader(specFile.OpenReadStream(), Encoding.UTF8)) text = await r.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) throw new JobSpecException("(root)", "the multipart request needs a part named 'spec' holding the job spec");
        var spec = JobSpecParser.Parse(text);
        if (spec.Model is not { Onnx: { } name, Sha256: null }) return (spec, text);
        var file = form.Files.FirstOrDefault(f => f.Name == name || f.FileName == name || f.FileName == Path.GetFileName(name))
            ?? throw new JobSpecException("model.onnx", $"the request has no file part named '{name}' ({(form.Files.Count == 0 ? "no files" : string.Join(", ", form.Files.Select(f => f.FileName)))})");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        if (ModelUploads.Read(bytes).Error is { } why) throw new JobSpecException("model.onnx", $"{name}: {why}");
        var sha = blobs.PutModel(bytes);
        spec = spec with { Model = spec.Model with { Sha256 = sha } };   // the file's name stays the model's name
        return (spec, JobSpecParser.ToJson(spec));
    }

    static async Task<IResult> Model(string id, string? format, long? version, JobRegistry jobs, BlobStore blobs)
    {
        if (jobs.Get(id) is not { } j) return ApiErrors.NotFound($"no job {id}");
        // The grain says which version is current; its weights come from that version's checkpoint, not through a grain message.
        long current = await j.Version();
        if (version is < 0 || version > current) return ApiErrors.NotFound($"version: job {id} has versions 0..{current}");
        var model = blobs.LoadCheckpoint(j.Id, version ?? current, j.Setup.Template);
        var weights = j.Setup.Template.WithValues(model.Weights);
        switch (format ?? "onnx")
        {
            case "onnx":
                return Results.File(InferenceExport.ToOnnx(j.Setup.Model, weights).ToBytes(), "application/octet-stream", $"{j.Name}-v{model.Version}.onnx");
            case "safetensors":
                var file = new SafetensorsFile(weights.Tensors.Select(t => NamedTensor.FromFloats(t.Name, t.Shape, t.Values)),
                    new Dictionary<string, string> { ["job"] = j.Id, ["version"] = model.Version.ToString() });
                return Results.File(file.ToBytes(), "application/octet-stream", $"{j.Name}-v{model.Version}.safetensors");
            default:
                return ApiErrors.BadRequest($"format: '{format}' is not onnx or safetensors");
        }
    }

    static async Task Events(string id, HttpContext ctx, JobRegistry jobs)
    {
        if (jobs.Get(id) is not { } j)
        {
            await ApiErrors.NotFound($"no job {id}").ExecuteAsync(ctx);
            return;
        }
        ctx.Response.Headers.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var ct = ctx.RequestAborted;
        string? last = null;
        var lastWrite = DateTimeOffset.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var signal = j.Changes.WaitAsync(Timeout.InfiniteTimeSpan, ct);
                var json = JsonSerializer.Serialize(await jobs.Snapshot(j), WireJson.Options);
                if (json != last)
                {
                    await ctx.Response.WriteAsync($"event: status\ndata: {json}\n\n", ct);
                    await ctx.Response.Body.FlushAsync(ct);
                    last = json;
                    lastWrite = DateTimeOffset.UtcNow;
                }
                // Re-read at least every second: in a cluster the grain may change on another node, whose signal this node never sees.
                try { await signal.WaitAsync(TimeSpan.FromSeconds(1), ct); }
                catch (TimeoutException) when (DateTimeOffset.UtcNow - lastWrite >= TimeSpan.FromSeconds(15))
                {
                    await ctx.Response.WriteAsync(": keep-alive\n\n", ct); // keeps proxies from closing an idle stream
                    await ctx.Response.Body.FlushAsync(ct);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                catch (TimeoutException) { }
            }
        }
        catch (OperationCanceledException) { }
    }
}
