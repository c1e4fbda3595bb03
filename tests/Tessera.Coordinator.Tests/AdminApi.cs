using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>The admin's and a dashboard's view of a coordinator, over HTTP only.</summary>
public sealed class AdminApi(string url, string adminKey) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };

    public async Task<JobCreated> CreateJob(string yaml) =>
        JsonSerializer.Deserialize<JobCreated>(await Send(HttpMethod.Post, "/api/v1/jobs", new StringContent(yaml)), WireJson.Options)!;

    public async Task<JobSnapshot> Job(string id) => (await _http.GetFromJsonAsync<JobSnapshot>($"/api/v1/jobs/{id}", WireJson.Options))!;
    public async Task<List<RoundRow>> Rounds(string id) => (await _http.GetFromJsonAsync<List<RoundRow>>($"/api/v1/jobs/{id}/metrics", WireJson.Options))!;
    public async Task<List<LedgerTotal>> Ledger(string id) => (await _http.GetFromJsonAsync<List<LedgerTotal>>($"/api/v1/ledger?job={id}", WireJson.Options))!;

    /// <summary>A binary download with the admin key (e.g. a worker's SCAFFOLD control variate).</summary>
    public Task<byte[]> Bytes(string path) => Send(HttpMethod.Get, path);

    /// <summary>POST /api/v1/jobs/{id}/{verb} (pause, resume, cancel) with the admin key; fails the test if refused.</summary>
    public Task Control(string id, string verb) => Send(HttpMethod.Post, $"/api/v1/jobs/{id}/{verb}");

    /// <summary>A request with the admin key; fails the test unless the coordinator accepts it. Returns the body.</summary>
    async Task<byte[]> Send(HttpMethod method, string path, HttpContent? content = null)
    {
        using var req = new HttpRequestMessage(method, path) { Content = content };
        req.Headers.Add("X-Api-Key", adminKey);
        using var res = await _http.SendAsync(req);
        var body = await res.Content.ReadAsByteArrayAsync();
        Assert.True(res.IsSuccessStatusCode, $"{method} {path}: {(int)res.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }

    /// <summary>Polls until the condition holds; the bound only stops a broken build from hanging, it measures nothing.</summary>
    public async Task<JobSnapshot> WaitFor(string id, Func<JobSnapshot, bool> condition, int maxSeconds = 240)
    {
        var until = DateTime.UtcNow.AddSeconds(maxSeconds);
        while (true)
        {
            JobSnapshot? s = null;
            try { s = await Job(id); } catch (HttpRequestException) { }
            if (s is not null && condition(s)) return s;
            if (DateTime.UtcNow > until) throw new TimeoutException($"job {id} never reached the expected state; last: {s}");
            await Task.Delay(200);
        }
    }

    public void Dispose() => _http.Dispose();
}
