using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>Reads a JSON body itself, so malformed input gets a message instead of a bare 400.</summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Error)> Read<T>(HttpRequest req) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(req.Body, WireJson.Options, req.HttpContext.RequestAborted);
            return value is null ? (null, ApiErrors.BadRequest("the body must be a JSON object")) : (value, null);
        }
        catch (JsonException e) { return (null, ApiErrors.BadRequest($"invalid JSON body: {e.Message}")); }
    }
}
