using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Coordinator.Workers;

namespace Tessera.Coordinator.Api;

/// <summary>Admin key (X-Api-Key, for job management) and worker session bearer tokens.</summary>
public sealed class RequestAuth(CoordinatorOptions options, WorkerRegistry workers)
{
    readonly byte[] _adminKey = Encoding.UTF8.GetBytes(options.AdminKey);

    public bool IsAdmin(HttpRequest req)
    {
        var key = req.Headers["X-Api-Key"].ToString();
        return key.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), _adminKey);
    }

    public static string? Bearer(HttpRequest req)
    {
        var h = req.Headers.Authorization.ToString();
        return h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? h[7..].Trim() : null;
    }

    /// <summary>The session behind the bearer token, or the 401 to answer with.</summary>
    public (WorkerSession? Session, IResult? Error) Worker(HttpRequest req)
    {
        var token = Bearer(req);
        if (token is null) return (null, ApiErrors.Unauthorized("missing 'Authorization: Bearer <session token>'; join at POST /api/v1/workers/join first"));
        var s = workers.Authenticate(token);
        if (s is null) return (null, ApiErrors.Unauthorized("unknown or expired session token; join again at POST /api/v1/workers/join"));
        s.Touch();
        return (s, null);
    }

    public IResult? RequireAdmin(HttpRequest req) =>
        IsAdmin(req) ? null : ApiErrors.Unauthorized("this endpoint needs the admin key in the X-Api-Key header");
}
