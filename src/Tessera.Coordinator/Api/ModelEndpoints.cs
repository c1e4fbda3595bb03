using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tessera.Coordinator.Storage;
using Tessera.Graphs;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

public sealed record ModelUploaded(string Sha256, long Bytes, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>Users' own ONNX models, kept by sha256 so a job spec can name one (`model: { sha256: ..., loss: ... }`).</summary>
public static class ModelEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/models", Upload).Produces<ModelUploaded>(201)
            .WithSummary("Upload an ONNX forward model (body: the .onnx bytes; admin key); a job spec then names it by sha256");
    }

    static async Task<IResult> Upload(HttpRequest req, RequestAuth auth, BlobStore blobs)
    {
        if (auth.RequireAdmin(req) is { } denied) return denied;
        using var body = new MemoryStream();
        await req.Body.CopyToAsync(body, req.HttpContext.RequestAborted);
        var bytes = body.ToArray();
        var (model, why) = ModelUploads.Read(bytes);
        if (model is null) return ApiErrors.BadRequest(why!);
        var sha = blobs.PutModel(bytes);
        return Results.Json(new ModelUploaded(sha, bytes.LongLength, model.Graph.Inputs.Select(i => i.Name).ToList(), model.Graph.Outputs.Select(o => o.Name).ToList()),
            WireJson.Options, statusCode: 201);
    }
}

/// <summary>The first check of a user's model bytes: are they ONNX at all? Whether they train is the job's question.</summary>
public static class ModelUploads
{
    /// <returns>The parsed model, or null and why not.</returns>
    public static (OnnxModel? Model, string? Error) Read(byte[] bytes)
    {
        if (bytes.Length == 0) return (null, "the body must be an ONNX model's bytes");
        try
        {
            var model = OnnxModel.FromBytes(bytes);
            return model.Graph.Nodes.Count == 0 ? (null, "the ONNX model has no nodes") : (model, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"not a readable ONNX model: {e.Message.Split('\n')[0]}");
        }
    }
}
