using System.Net.Http.Headers;
using System.Net.Http.Json;
using Tessera.Coordinator;
using Tessera.Coordinator.Api;
using Tessera.Coordinator.Jobs;
using Tessera.Coordinator.Storage;
using Tessera.Protocol.Wire;

namespace Tessera.Browser.Tests;

/// <summary>An in-process coordinator on a free loopback port with an admin HTTP client.</summary>
public sealed class TestCoordinator : IAsyncDisposable
{
    public const string AdminKey = "browser-test-admin";
    readonly string _data = Directory.CreateTempSubdirectory("tessera-browser-").FullName;
    public CoordinatorHost Host { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };
    public string Url => Host.BaseUrl;

    /// <param name="datasets">User data sets the coordinator holds (evaluation sets of on-worker jobs).</param>
    public static async Task<TestCoordinator> Start(IReadOnlyDictionary<string, Tessera.Federation.Planning.DatasetFiles>? datasets = null)
    {
        var c = new TestCoordinator();
        c.Host = CoordinatorHost.Create(new CoordinatorOptions
        {
            DataDirectory = c._data, AdminKey = AdminKey, Port = 0, Quiet = true, EvalSamples = 2000,
            Datasets = datasets ?? new Dictionary<string, Tessera.Federation.Planning.DatasetFiles>(),
        });
        await c.Host.StartAsync();
        c.Http.BaseAddress = new Uri(c.Url);
        c.Http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return c;
    }

    public async Task<JobCreated> CreateJob(string yaml)
    {
        using var res = await Http.PostAsync("/api/v1/jobs", new StringContent(yaml, MediaTypeHeaderValue.Parse("application/yaml")));
        if (!res.IsSuccessStatusCode) throw new InvalidOperationException($"create job: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
        return (await res.Content.ReadFromJsonAsync<JobCreated>(WireJson.Options))!;
    }

    /// <summary>Creates a job from a spec and its model file, sent together as multipart/form-data.</summary>
    public async Task<JobCreated> CreateJob(string yaml, string fileName, byte[] model)
    {
        using var form = new MultipartFormDataContent { { new StringContent(yaml), "spec" } };
        var part = new ByteArrayContent(model);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, fileName, fileName);
        using var res = await Http.PostAsync("/api/v1/jobs", form);
        if (!res.IsSuccessStatusCode) throw new InvalidOperationException($"create job: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
        return (await res.Content.ReadFromJsonAsync<JobCreated>(WireJson.Options))!;
    }

    public async Task<JobSnapshot> Job(string id) => (await Http.GetFromJsonAsync<JobSnapshot>($"/api/v1/jobs/{id}", WireJson.Options))!;
    public async Task<List<RoundRow>> Rounds(string id) => (await Http.GetFromJsonAsync<List<RoundRow>>($"/api/v1/jobs/{id}/metrics", WireJson.Options))!;
    public async Task<List<LedgerTotal>> Ledger(string id) => (await Http.GetFromJsonAsync<List<LedgerTotal>>($"/api/v1/ledger?job={id}", WireJson.Options))!;
    public async Task<List<WorkerInfo>> Workers() => (await Http.GetFromJsonAsync<List<WorkerInfo>>("/api/v1/workers", WireJson.Options))!;

    public async Task<JobSnapshot> WaitFor(string id, Func<JobSnapshot, bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = await Job(id);
            if (condition(s)) return s;
            if (DateTime.UtcNow > until) throw new TimeoutException($"job {id} stuck: {s}");
            await Task.Delay(500);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        try { Directory.Delete(_data, true); } catch (IOException) { }
    }
}
