using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Protocol;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// Base for tests that speak the worker protocol by hand (raw HTTP, no worker library) against a coordinator in
/// this process: admin key "k", pool token "pool", a one-second selection window.
/// </summary>
public abstract class InProcessCoordinatorTest : IAsyncLifetime
{
    /// <summary>The coordinator's data folder (database, blobs).</summary>
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    protected CoordinatorHost Host { get; private set; } = null!;
    protected HttpClient Http { get; private set; } = null!;
    protected AdminApi Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = DataDirectory, AdminKey = "k", PoolToken = "pool", Port = 0, Quiet = true, EvalSamples = 500, SelectionWindow = TimeSpan.FromSeconds(1),
        });
        await Host.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(Host.BaseUrl) };
        Admin = new AdminApi(Host.BaseUrl, "k");
    }

    /// <summary>Joins with a token; returns the session token and the worker id.</summary>
    protected async Task<(string Session, string WorkerId)> Join(string joinToken, string name)
    {
        var res = await Http.PostAsJsonAsync("/api/v1/workers/join", new JoinRequest { Token = joinToken, Name = name }, WireJson.Options);
        res.EnsureSuccessStatusCode();
        var joined = (await res.Content.ReadFromJsonAsync<JoinResponse>(WireJson.Options))!;
        return (joined.SessionToken, joined.WorkerId);
    }

    /// <summary>Long-polls until the coordinator hands this session a task (two minutes at most).</summary>
    protected async Task<TaskMessage> NextTask(string session)
    {
        for (var until = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < until;)
            if (await TryNextTask(session, 10) is { } task) return task;
        throw new TimeoutException("no task came for this session within two minutes");
    }

    /// <summary>One long-poll: the task, or null when none came within the wait.</summary>
    protected async Task<TaskMessage?> TryNextTask(string session, int waitSeconds)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/next?wait={waitSeconds}");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var res = await Http.SendAsync(req);
        return res.StatusCode == HttpStatusCode.OK ? (await res.Content.ReadFromJsonAsync<TaskMessage>(WireJson.Options))! : null;
    }

    /// <summary>Gives a task back (no bearer when session is null); returns the status and the error message.</summary>
    protected Task<(HttpStatusCode Status, string Error)> Decline(string? session, string taskId, string? reason) =>
        Send(session, new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{taskId}/decline")
        {
            Content = JsonContent.Create(new DeclineRequest { Reason = reason }, options: WireJson.Options),
        });

    /// <summary>Posts a result file for a task (no bearer when session is null); returns the status and the error message.</summary>
    /// <param name="contentEncoding">Sent as the Content-Encoding header (the body is then already in it, e.g. gzip).</param>
    protected Task<(HttpStatusCode Status, string Error)> Upload(string? session, string taskId, byte[] body, string? contentEncoding = null)
    {
        var content = new ByteArrayContent(body);
        if (contentEncoding is not null) content.Headers.ContentEncoding.Add(contentEncoding);
        return Send(session, new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tasks/{taskId}/result") { Content = content, Headers = { ExpectContinue = true } });
    }

    async Task<(HttpStatusCode Status, string Error)> Send(string? session, HttpRequestMessage req)
    {
        using var _ = req;
        if (session is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var res = await Http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        string error = res.IsSuccessStatusCode ? "" : JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        return (res.StatusCode, error);
    }

    /// <summary>An update shaped like the global weights (optionally corrupted), as a worker would send it.</summary>
    protected async Task<byte[]> Update(TaskMessage task, Func<Tessera.Protocol.NamedTensor, Tessera.Protocol.NamedTensor>? corrupt = null,
        Func<UpdateEnvelope, UpdateEnvelope>? meta = null)
    {
        var weights = SafetensorsFile.Read(await Http.GetByteArrayAsync(task.WeightsUrl));
        var tensors = weights.Tensors.Select(t =>
        {
            var delta = Tessera.Protocol.NamedTensor.FromFloats(t.Name, t.Shape.ToArray(), new float[t.ElementCount()].Select(_ => 0.001f).ToArray());
            return corrupt is null ? delta : corrupt(delta);
        });
        var env = new UpdateEnvelope
        {
            TaskId = task.TaskId, BaseVersion = task.Version, SampleCount = 50, Steps = 5, LossTrace = [1f, 0.9f],
            Commitment = new string('a', 64),
        };
        return new SafetensorsFile(tensors, (meta?.Invoke(env) ?? env).ToMetadata()).ToBytes();
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        Http.Dispose();
        await Host.DisposeAsync();
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { }
    }
}
