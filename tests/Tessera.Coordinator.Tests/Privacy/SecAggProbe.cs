using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tessera.Federation.Privacy.SecureAggregation;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests.Privacy;

/// <summary>A raw-protocol client of a secure round (HTTP only): it joins, takes a task, and sends whatever stage messages a test tells it to.</summary>
public sealed class SecAggProbe(string baseUrl, string token) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl) };

    public async Task Join(string name)
    {
        var res = await _http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = token, Name = name }, WireJson.Options);
        res.EnsureSuccessStatusCode();
        var joined = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", joined.SessionToken);
    }

    public async Task<TaskMessage> NextTask(TimeSpan wait)
    {
        for (var end = DateTime.UtcNow + wait; DateTime.UtcNow < end;)
        {
            using var poll = await _http.GetAsync("/api/v1/tasks/next?wait=2");
            if (poll.StatusCode == HttpStatusCode.OK) return (await poll.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options))!;
        }
        throw new TimeoutException("no task came");
    }

    /// <summary>
    /// Joins as "stranger", starts three honest workers beside it (in <paramref name="pool"/>, speaking to
    /// <paramref name="workerUrl"/>, which may be a proxy) and takes its task of the four-client secure round.
    /// </summary>
    public async Task<(TaskMessage Task, SecAggClient Me)> TakeTaskBesideThreeWorkers(WorkerPool pool, string workerUrl)
    {
        await Join("stranger");
        for (int i = 0; i < 3; i++) pool.Add(workerUrl, token, $"worker-{i}");
        var task = await NextTask(TimeSpan.FromSeconds(60));
        var sa = task.SecureAggregation!;
        Assert.Equal(4, sa.Parameters.Clients);
        return (task, new SecAggClient(sa.Parameters, sa.Client));
    }

    public Task<(HttpStatusCode Status, string Body)> Post<T>(TaskMessage task, string stage, T message) =>
        PostRaw(task, stage, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message, WireJson.Options)));

    public async Task<(HttpStatusCode Status, string Body)> PostRaw(TaskMessage task, string stage, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var res = await _http.PostAsync($"{task.SecureAggregation!.StageUrl}/{stage}", content);
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }

    public async Task<(HttpStatusCode Status, string Body)> Get(TaskMessage task, string stage, int wait = 20)
    {
        using var res = await _http.GetAsync($"{task.SecureAggregation!.StageUrl}/{stage}?wait={wait}");
        return (res.StatusCode, await res.Content.ReadAsStringAsync());
    }

    /// <summary>The payload of a stage once it closes.</summary>
    public async Task<T> Await<T>(TaskMessage task, string stage)
    {
        for (int i = 0; i < 20; i++)
        {
            var (status, body) = await Get(task, stage);
            if (status == HttpStatusCode.OK) return JsonSerializer.Deserialize<T>(body, WireJson.Options)!;
            Assert.Equal(HttpStatusCode.Accepted, status);
        }
        throw new TimeoutException($"stage {stage} never closed");
    }

    public static string Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;

    public void Dispose() => _http.Dispose();
}
