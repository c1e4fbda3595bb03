using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Tessera.Protocol.Wire;

namespace Tessera.Worker;

/// <summary>A refusal from the coordinator (4xx with a JSON error); not retried, except where the caller decides.</summary>
public sealed class CoordinatorRefusedException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The worker's side of /api/v1: thin typed calls; retrying is the agent's business.</summary>
public sealed class CoordinatorClient : IDisposable
{
    readonly HttpClient _http;
    public string? SessionToken { get; set; }

    public CoordinatorClient(Uri server, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromMinutes(5);
    }

    public async Task<JoinResponse> JoinAsync(JoinRequest request, CancellationToken ct)
    {
        using var res = await _http.PostAsJsonAsync("/api/v1/workers/join", request, WireJson.Options, ct);
        return await Read<JoinResponse>(res, ct);
    }

    /// <summary>Long-polls for a task; null when none came within the wait.</summary>
    public async Task<TaskMessage?> NextTaskAsync(TimeSpan wait, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Get, $"/api/v1/tasks/next?wait={wait.TotalSeconds:F0}");
        using var res = await _http.SendAsync(req, ct);
        if (res.StatusCode == HttpStatusCode.NoContent) return null;
        return await Read<TaskMessage>(res, ct);
    }

    public async Task<HeartbeatResponse> HeartbeatAsync(string? taskId, int stepsDone, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Post, "/api/v1/workers/heartbeat");
        req.Content = JsonContent.Create(new HeartbeatRequest { TaskId = taskId, StepsDone = stepsDone }, options: WireJson.Options);
        using var res = await _http.SendAsync(req, ct);
        return await Read<HeartbeatResponse>(res, ct);
    }

    public async Task<byte[]> GetBytesAsync(string url, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Get, url);
        using var res = await _http.SendAsync(req, ct);
        await ThrowIfRefused(res, ct);
        return await res.Content.ReadAsByteArrayAsync(ct);
    }

    public async Task<T> GetJsonAsync<T>(string url, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Get, url);
        using var res = await _http.SendAsync(req, ct);
        return await Read<T>(res, ct);
    }

    /// <param name="gzipped">The body is gzip bytes of the update file (the task's upload.compression).</param>
    public async Task<ResultResponse> UploadAsync(string url, byte[] body, CancellationToken ct, bool gzipped = false)
    {
        using var req = Authorized(HttpMethod.Post, url);
        // Wait for the coordinator's go-ahead before sending megabytes: a refusal (401/404/409/413) then arrives as a
        // status this worker can act on, instead of a broken pipe when the server stops reading mid-body.
        req.Headers.ExpectContinue = true;
        req.Content = new ByteArrayContent(body);
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (gzipped) req.Content.Headers.ContentEncoding.Add(UploadEncoding.Gzip);
        using var res = await _http.SendAsync(req, ct);
        return await Read<ResultResponse>(res, ct);
    }

    /// <summary>Gives a task back with the reason this worker cannot do it.</summary>
    public async Task DeclineAsync(string taskId, string reason, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Post, $"/api/v1/tasks/{Uri.EscapeDataString(taskId)}/decline");
        req.Content = JsonContent.Create(new DeclineRequest { Reason = reason.Length > 500 ? reason[..500] : reason }, options: WireJson.Options);
        using var res = await _http.SendAsync(req, ct);
        await ThrowIfRefused(res, ct);
    }

    HttpRequestMessage Authorized(HttpMethod method, string url)
    {
        var req = new HttpRequestMessage(method, url);
        if (SessionToken is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SessionToken);
        return req;
    }

    /// <summary>POSTs a secure round's stage message (JSON); throws when refused.</summary>
    public async Task PostStageAsync<T>(string url, T message, CancellationToken ct)
    {
        using var req = Authorized(HttpMethod.Post, url);
        // Serialized up front so the length is declared (a masked input is megabytes; the coordinator checks its size first).
        req.Content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message, WireJson.Options));
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var res = await _http.SendAsync(req, ct);
        await ThrowIfRefused(res, ct);
    }

    /// <summary>Long-polls a secure round's stage payload until the stage closes (202 means: ask again).</summary>
    public async Task<T> PollStageAsync<T>(string url, CancellationToken ct)
    {
        while (true)
        {
            using var req = Authorized(HttpMethod.Get, $"{url}?wait=20");
            using var res = await _http.SendAsync(req, ct);
            if (res.StatusCode != HttpStatusCode.Accepted) return await Read<T>(res, ct);
        }
    }

    static async Task<T> Read<T>(HttpResponseMessage res, CancellationToken ct)
    {
        await ThrowIfRefused(res, ct);
        return await res.Content.ReadFromJsonAsync<T>(WireJson.Options, ct) ?? throw new HttpRequestException("empty response from coordinator");
    }

    static async Task ThrowIfRefused(HttpResponseMessage res, CancellationToken ct)
    {
        if (res.IsSuccessStatusCode) return;
        string message;
        try { message = (await res.Content.ReadFromJsonAsync<ErrorResponse>(WireJson.Options, ct))?.Error ?? res.ReasonPhrase ?? ""; }
        catch (Exception) { message = res.ReasonPhrase ?? ""; }
        int code = (int)res.StatusCode;
        // 5xx and 429 are the coordinator's trouble, worth retrying; other 4xx are final answers.
        if (code >= 500 || code == 429) throw new HttpRequestException($"{code}: {message}", null, res.StatusCode);
        throw new CoordinatorRefusedException(res.StatusCode, $"{code}: {message}");
    }

    public void Dispose() => _http.Dispose();
}
