using System.Net;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>The rest of the surface a user reaches: local data, pause/resume/cancel, live events, OpenAPI, metrics, model export.</summary>
[Collection("coordinator")]
public sealed class ApiSurfaceTests : IAsyncLifetime
{
    readonly string _data = Directory.CreateTempSubdirectory("tessera-coord-").FullName;
    CoordinatorHost _host = null!;
    HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = _data, AdminKey = "k", Port = 0, Quiet = true, EvalSamples = 1000, SelectionWindow = TimeSpan.FromSeconds(1),
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };
    }

    const string Spec = """
        name: surface
        model: logreg
        rounds: 2
        clients_per_round: 2
        data: { clients: 2, train_samples: 2000 }
        local: { batch_size: 20, lr: 0.1 }
        """;

    /// <summary>
    /// Workers holding their own copy of the job's data set train on it and no shard leaves the coordinator, unless the
    /// job is verified: work audited by replay is done on the coordinator's shards, the only data a replay can reproduce.
    /// </summary>
    [Theory, InlineData(false), InlineData(true)]
    public async Task Workers_holding_the_data_train_on_it_unless_the_job_is_verified(bool verified)
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(verified ? Spec : Spec + "\nverification: { replay: off }");
        await using var pool = new WorkerPool();
        for (int i = 0; i < 2; i++)
            pool.Add(new WorkerOptions
            {
                Server = new Uri(_host.BaseUrl), Token = job.JoinToken, Name = $"local-{i}", LocalData = "mnist",
                LocalDataSamples = 500, LocalDataOffset = i * 500, ReportedSpeed = 0, Runtime = new Runtime.RuntimeOptions { IntraOpThreads = 1 },
            });
        var done = await admin.WaitFor(job.Id, s => s.Status is "completed" or "failed");
        Assert.Equal("completed", done.Status);
        // Verified: the two shards of 1,000; otherwise 1 epoch over each worker's 500 local samples.
        Assert.All(await admin.Rounds(job.Id), r => Assert.Equal(verified ? 2000 : 1000, r.Samples));
        Assert.Equal(verified, Directory.Exists(Path.Combine(_data, "blobs", "shards", job.Id)));
        Assert.All(await admin.Ledger(job.Id), l => Assert.True(verified ? l.Granted > 0 && l.Unverifiable == 0 : l.Unverifiable > 0 && l.Granted == 0, $"{l}"));
    }

    [Fact]
    public async Task Ledger_of_a_job_without_credited_work_is_an_empty_list()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(Spec);
        Assert.Empty(await admin.Ledger(job.Id));
        var all = await _http.GetAsync("/api/v1/ledger");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
    }

    [Fact]
    public async Task Pause_resume_and_cancel_change_the_job_and_need_the_admin_key()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(Spec);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.PostAsync($"/api/v1/jobs/{job.Id}/pause", null)).StatusCode);
        Assert.Contains("\"status\":\"paused\"", await Admin(HttpMethod.Post, $"/api/v1/jobs/{job.Id}/pause"));
        Assert.Contains("is not running", await Admin(HttpMethod.Post, $"/api/v1/jobs/{job.Id}/pause"));
        Assert.Contains("\"status\":\"running\"", await Admin(HttpMethod.Post, $"/api/v1/jobs/{job.Id}/resume"));
        Assert.Contains("\"status\":\"cancelled\"", await Admin(HttpMethod.Post, $"/api/v1/jobs/{job.Id}/cancel"));
        Assert.Contains("cannot change", await Admin(HttpMethod.Post, $"/api/v1/jobs/{job.Id}/resume"));
    }

    [Fact]
    public async Task Events_stream_status_and_the_documents_and_model_are_served()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob(Spec);

        using var events = await _http.GetAsync($"/api/v1/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        Assert.Equal("event: status", await reader.ReadLineAsync());
        Assert.Contains($"\"id\":\"{job.Id}\"", await reader.ReadLineAsync());

        var openapi = await _http.GetStringAsync("/api/v1/openapi.json");
        foreach (var path in new[] { "/api/v1/workers/join", "/api/v1/tasks/next", "/api/v1/tasks/{id}/result", "/api/v1/tasks/{id}/decline", "/api/v1/jobs/{id}/model" })
            Assert.Contains($"\"{path}\"", openapi);

        Assert.Contains("tessera_workers_polling", await _http.GetStringAsync("/metrics"));

        var onnx = await _http.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/model?format=onnx");
        Assert.True(onnx.Length > 7840 * 4, "the exported ONNX model should hold the logreg weights");
        var weights = Protocol.SafetensorsFile.Read(await _http.GetByteArrayAsync($"/api/v1/jobs/{job.Id}/model?format=safetensors"));
        Assert.Equal(7850, weights.Tensors.Sum(t => t.ElementCount()));
        var bad = await _http.GetAsync($"/api/v1/jobs/{job.Id}/model?format=pickle");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var artifact = await _http.GetAsync($"/api/v1/artifacts/{job.Job.ArtifactSha256}");
        Assert.Contains("immutable", artifact.Headers.CacheControl?.ToString());
        Assert.NotNull(artifact.Headers.ETag);
    }

    [Fact]
    public async Task Tasks_go_only_to_workers_that_meet_the_job_requirements_and_K_follows_measured_speed()
    {
        using var admin = new AdminApi(_host.BaseUrl, "k");
        var job = await admin.CreateJob("""
            name: routing
            model: logreg
            rounds: 1
            clients_per_round: 1
            deadline_seconds: 10
            data: { clients: 1, train_samples: 2000 }
            local: { batch_size: 10, epochs: 5 }
            requirements: { min_samples_per_second: 1000, runtimes: [dotnet] }
            """);
        var slow = await Join(job.JoinToken, new() { Runtime = "dotnet", SamplesPerSecond = 10 });
        var browser = await Join(job.JoinToken, new() { Runtime = "browser", SamplesPerSecond = 5000 });
        Assert.Equal(HttpStatusCode.NoContent, (await Poll(slow, 2)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Poll(browser, 2)).StatusCode);

        var fast = await Join(job.JoinToken, new() { Runtime = "dotnet", SamplesPerSecond = 1200 });
        var res = await Poll(fast, 20);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var task = System.Text.Json.JsonSerializer.Deserialize<Protocol.Wire.TaskMessage>(await res.Content.ReadAsStringAsync(), Protocol.Wire.WireJson.Options)!;
        // 5 epochs over the 2000-sample shard would be 1000 steps, but 1200 samples/s for half the 10 s deadline
        // at batch 10 fits only 600: K is sized so the worker finishes in time.
        Assert.Equal(600, task.Steps);
        Assert.Equal(HttpStatusCode.NoContent, (await Poll(slow, 1)).StatusCode);
    }

    async Task<string> Join(string token, Protocol.Wire.WorkerCapabilities caps)
    {
        var res = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(_http, "/api/v1/workers/join",
            new Protocol.Wire.JoinRequest { Token = token, Capabilities = caps }, Protocol.Wire.WireJson.Options);
        res.EnsureSuccessStatusCode();
        return System.Text.Json.JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("session_token").GetString()!;
    }

    async Task<HttpResponseMessage> Poll(string session, int wait)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/next?wait={wait}");
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session);
        return await _http.SendAsync(req);
    }

    async Task<string> Admin(HttpMethod method, string url)
    {
        using var req = new HttpRequestMessage(method, url);
        req.Headers.Add("X-Api-Key", "k");
        using var res = await _http.SendAsync(req);
        return await res.Content.ReadAsStringAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
